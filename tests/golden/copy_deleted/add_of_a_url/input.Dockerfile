FROM debian:bookworm-slim
ADD https://example.com/tool.tgz /tmp/
RUN tar xzf /tmp/tool.tgz -C /opt && rm /tmp/*.tgz
