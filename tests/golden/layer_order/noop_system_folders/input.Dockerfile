FROM alpine:3.20
COPY rootfs/ /
RUN apk add --no-cache s6
COPY src/ /app/
COPY sources.list /etc/apt/sources.list
RUN apk add --no-cache curl
