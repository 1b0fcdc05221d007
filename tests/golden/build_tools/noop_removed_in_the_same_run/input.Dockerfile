FROM alpine:3.19
RUN apk add --virtual .b gcc musl-dev && make && apk del .b
RUN apt-get install -y make && make && apt-get purge -y make
