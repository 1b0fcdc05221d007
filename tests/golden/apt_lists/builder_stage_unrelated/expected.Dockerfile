FROM debian:bookworm AS build
RUN apt-get update && apt-get install -y gcc && rm -rf /var/lib/apt/lists/*
FROM debian:bookworm
# a stage FROM the same image does not start from the builder's layers
RUN apt-get install -y curl
