FROM alpine:3.20
RUN apk add curl git
RUN apk --update add --virtual .build-deps gcc musl-dev
