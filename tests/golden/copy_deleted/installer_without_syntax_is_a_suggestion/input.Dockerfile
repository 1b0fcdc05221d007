FROM debian:bookworm-slim
COPY install.sh /tmp/
RUN sh /tmp/install.sh && rm /tmp/install.sh
