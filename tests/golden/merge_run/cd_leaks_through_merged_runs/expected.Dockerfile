FROM debian:bookworm
RUN cd /src && make \
    && apt-get install -y curl
RUN make install
