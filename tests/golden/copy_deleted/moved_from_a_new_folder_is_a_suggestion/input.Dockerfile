FROM debian:bookworm-slim
COPY tool /opt/staging/
RUN mv /opt/staging/tool /usr/local/bin/
