# syntax=docker/dockerfile:1
FROM alpine:3.20
# no-op: the cache mount is where apk's cache is meant to be kept
RUN --mount=type=cache,target=/var/cache/apk \
    ln -s /var/cache/apk /etc/apk/cache && apk add curl
