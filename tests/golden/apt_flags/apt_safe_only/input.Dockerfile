FROM ubuntu:24.04
# without --unsafe-fixes only -y is added; apt stays apt
RUN apt update && apt install --no-install-recommends curl
