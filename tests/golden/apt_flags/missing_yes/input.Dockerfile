FROM debian:bookworm
RUN apt-get update && apt-get install --no-install-recommends curl
