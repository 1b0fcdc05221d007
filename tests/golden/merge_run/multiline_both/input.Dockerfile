FROM debian:12
RUN \
    apt-get update \
    # refresh first
    && apt-get install -y curl   
RUN    curl --version \
        && curl --help > /dev/null
