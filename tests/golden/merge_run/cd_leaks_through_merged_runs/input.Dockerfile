FROM debian:bookworm
RUN cd /src && make
RUN apt-get install -y curl
RUN make install
