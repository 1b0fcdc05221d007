FROM alpine:3.20
RUN apk add --no-cache git
RUN git config --system init.defaultBranch main
RUN mkdir -p /src
WORKDIR /src
