FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y gcc && rm -rf /var/lib/apt/lists/*
RUN gcc --version
