# escape=`
FROM debian:bookworm
RUN apt-get update `
    && apt install curl
