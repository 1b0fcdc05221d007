FROM debian:bookworm-slim
COPY tool /usr/local/bin/tool
RUN tool --version
