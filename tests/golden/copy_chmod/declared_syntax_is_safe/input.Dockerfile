# syntax=docker/dockerfile:1.2
FROM debian:bookworm-slim
WORKDIR /app
COPY run.sh .
# make it runnable
RUN chmod 0750 run.sh \
    && ./run.sh
