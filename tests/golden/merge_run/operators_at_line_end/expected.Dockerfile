FROM debian:12
RUN apt-get update && \
    apt-get install -y make && \
    rm -rf /var/lib/apt/lists/* && \
    make --version
