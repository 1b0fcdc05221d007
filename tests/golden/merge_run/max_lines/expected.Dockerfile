FROM alpine
RUN apk add --no-cache \
    curl \
    git \
    && mkdir /a
RUN mkdir /b \
    && mkdir /c
