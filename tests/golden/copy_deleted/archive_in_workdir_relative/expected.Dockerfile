FROM debian:bookworm-slim
WORKDIR /srv
ADD app.tar.gz /srv/
