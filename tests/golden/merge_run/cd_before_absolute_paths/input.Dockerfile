FROM debian:bookworm
RUN cd /src && make
RUN apt-get install -y curl
RUN rm -rf /var/lib/apt/lists/* && mkdir -p /opt/app
RUN cd /opt/app && ./configure
