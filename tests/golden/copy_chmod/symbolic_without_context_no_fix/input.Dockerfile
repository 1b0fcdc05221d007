FROM debian:bookworm-slim
COPY run.sh /usr/local/bin/
RUN chmod +x /usr/local/bin/run.sh
