# syntax=docker/dockerfile:1
FROM debian:bookworm
# no-op: exec form and heredocs are not read
RUN ["sh", "-c", "apt-get update && apt-get install -y curl"]
RUN <<EOF
apt-get update
apt-get install -y curl
EOF
