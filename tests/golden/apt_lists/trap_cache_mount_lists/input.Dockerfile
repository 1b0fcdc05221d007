# syntax=docker/dockerfile:1
FROM debian:bookworm
# no-op: the lists live in the cache mount, not in the layer; removing them would empty the cache
RUN --mount=type=cache,target=/var/lib/apt,sharing=locked \
    --mount=type=cache,target=/var/cache/apt,sharing=locked \
    apt-get update && apt-get install -y curl
