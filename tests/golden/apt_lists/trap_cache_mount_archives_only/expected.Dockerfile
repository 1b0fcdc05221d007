# syntax=docker/dockerfile:1
FROM debian:bookworm
# a mount on the archives does not hold the lists: they are still removed
RUN --mount=type=cache,target=/var/cache/apt apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
