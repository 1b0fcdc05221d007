FROM debian:bookworm-slim
WORKDIR /opt/app
COPY app.py /opt/app/
LABEL org.opencontainers.image.title=app
RUN curl -fsSL https://github.com/krallin/tini/releases/download/v0.19.0/tini -o /usr/local/bin/tini \
    && chmod +x /usr/local/bin/tini
COPY --from=golang:1.22 /usr/local/go /usr/local/go
ADD https://example.com/models/model-v3.tar.gz /opt/models/
ENTRYPOINT ["/usr/local/bin/tini", "--"]
