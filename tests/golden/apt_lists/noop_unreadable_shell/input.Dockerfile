FROM debian:bookworm
# no-op: the shell reader cannot read an unterminated quote
RUN apt-get update && apt-get install -y "curl
