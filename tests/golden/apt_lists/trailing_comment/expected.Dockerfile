FROM debian:bookworm
# the shell comment stays last: the removal goes before it, on the same line
RUN apt-get update && apt-get install -y curl \
    make && rm -rf /var/lib/apt/lists/* # tools
