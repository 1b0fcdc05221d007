# syntax=docker/dockerfile:1
FROM debian:bookworm-slim
COPY install.sh /tmp/build/
RUN sh /tmp/build/install.sh && rm -rf /tmp/build
