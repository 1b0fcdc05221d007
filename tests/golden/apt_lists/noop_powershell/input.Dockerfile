FROM debian:bookworm
SHELL ["pwsh", "-Command"]
RUN apt-get update; apt-get install -y curl
