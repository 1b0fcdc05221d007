# syntax=docker/dockerfile:1
FROM fedora:40
# no-op: the cache lives in the mount
RUN --mount=type=cache,target=/var/cache/dnf dnf install -y httpd
RUN --mount=type=cache,target=/var/cache dnf install -y git
