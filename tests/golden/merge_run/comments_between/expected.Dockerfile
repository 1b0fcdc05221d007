FROM debian:12
# the package lists
RUN apt-get update \
    # what the app needs
    # (indented comment)
    && apt-get install -y --no-install-recommends ca-certificates \
    # the lists are useless once installed
    && rm -rf /var/lib/apt/lists/*
