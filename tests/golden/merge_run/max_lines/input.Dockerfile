FROM alpine
RUN apk add --no-cache \
    curl \
    git
RUN mkdir /a
RUN mkdir /b
RUN mkdir /c
