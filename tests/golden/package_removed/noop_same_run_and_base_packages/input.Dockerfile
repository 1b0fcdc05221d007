FROM alpine:3.19
RUN apk add --no-cache --virtual .b gcc && make && apk del .b
RUN apk del busybox-extras
RUN yum install -y gcc
