FROM debian:bookworm
# no-op: -o APT::Install-Recommends=false says the same
RUN apt-get install -y -o APT::Install-Recommends=false curl
