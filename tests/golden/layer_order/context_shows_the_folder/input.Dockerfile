FROM golang:1.22
WORKDIR /build
COPY Makefile ./
COPY service /build/svc
RUN go build -o /usr/local/bin/service /build/svc
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates
