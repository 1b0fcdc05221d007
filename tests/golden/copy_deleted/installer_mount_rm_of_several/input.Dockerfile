# syntax=docker/dockerfile:1.4
FROM debian:bookworm-slim
COPY install.sh /tmp/
RUN sh /tmp/install.sh \
    && rm -rf /tmp/install.sh /var/tmp/*
