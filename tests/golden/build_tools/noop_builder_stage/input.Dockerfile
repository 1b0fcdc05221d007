FROM golang:1.22 AS build
RUN go build -o /app .
FROM debian:bookworm-slim
RUN apt-get install -y gcc
COPY --from=build /app /app
