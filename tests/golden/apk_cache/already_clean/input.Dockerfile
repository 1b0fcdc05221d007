FROM alpine:3.20
# no-op: --no-cache, and a RUN that removes the cache itself
RUN apk add --no-cache curl
RUN apk add git && rm -rf /var/cache/apk/*
