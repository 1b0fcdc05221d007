FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y build-essential libssl-dev && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cd /src && ./configure && make && make install
