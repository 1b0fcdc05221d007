# syntax=docker/dockerfile:1.1
FROM debian:bookworm-slim
COPY run.sh /run.sh
RUN chmod 755 /run.sh
