FROM alpine:3.20
RUN apk update && apk add --virtual build gcc \
    && make \
    && apk update && apk add musl && rm -rf /var/cache/apk/*
