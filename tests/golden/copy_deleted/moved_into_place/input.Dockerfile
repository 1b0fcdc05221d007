FROM debian:bookworm-slim
COPY tool /tmp/
RUN mv /tmp/tool /usr/local/bin/tool && tool --version
