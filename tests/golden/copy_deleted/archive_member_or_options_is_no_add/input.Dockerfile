FROM debian:bookworm-slim
COPY b.tar.gz /tmp/
COPY a.tar.gz /tmp/
RUN tar -xzf /tmp/a.tar.gz -C /opt app/README && rm /tmp/a.tar.gz
RUN tar --strip-components=1 -xzf /tmp/b.tar.gz -C /opt && rm /tmp/b.tar.gz
