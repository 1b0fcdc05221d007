FROM debian:bookworm-slim
COPY app.tar.gz /tmp/
# unpack
RUN mkdir -p /opt/app \
    && tar xzf /tmp/app.tar.gz -C /opt/app \
    && rm -f /tmp/app.tar.gz \
    && ln -s /opt/app/app/bin/run /usr/local/bin/run
