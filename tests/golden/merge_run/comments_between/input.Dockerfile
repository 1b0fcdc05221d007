FROM debian:12
# the package lists
RUN apt-get update

# what the app needs
  # (indented comment)

RUN apt-get install -y --no-install-recommends ca-certificates
# the lists are useless once installed
RUN rm -rf /var/lib/apt/lists/*
