FROM debian:bookworm-slim
ADD app.tar.gz /opt/
