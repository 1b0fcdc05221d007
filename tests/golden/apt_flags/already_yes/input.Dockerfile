FROM debian:bookworm
# no-op: every spelling of yes
RUN apt-get install -y --no-install-recommends a \
    && apt-get -qq install --no-install-recommends b \
    && apt-get install --assume-yes --no-install-recommends c \
    && apt-get -o APT::Get::Assume-Yes=true install --no-install-recommends d \
    && apt-get -yq install --no-install-recommends e \
    && yes | apt-get install --no-install-recommends f
