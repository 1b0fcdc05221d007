# syntax=docker/dockerfile:1
FROM debian:bookworm-slim
COPY bin/ /opt/bin/
RUN chmod -R 755 /opt/bin
