# syntax=docker/dockerfile:1.2
FROM debian:bookworm-slim
WORKDIR /app
COPY --chmod=750 run.sh .
# make it runnable
RUN ./run.sh
