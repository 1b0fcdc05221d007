FROM alpine:3.20
RUN apk add --no-cache git \
    && git config --system init.defaultBranch main \
    && mkdir -p /src
WORKDIR /src
