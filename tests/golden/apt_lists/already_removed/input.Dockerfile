FROM debian:bookworm
# no-op: the RUN removes the lists itself
RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y git \
    && apt-get clean && find /var/lib/apt/lists -type f -delete
