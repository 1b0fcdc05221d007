FROM debian:bookworm
RUN cd /src && make \
    && apt-get install -y curl \
    && rm -rf /var/lib/apt/lists/* && mkdir -p /opt/app \
    && cd /opt/app && ./configure
