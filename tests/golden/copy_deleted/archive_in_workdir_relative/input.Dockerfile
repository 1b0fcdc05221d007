FROM debian:bookworm-slim
WORKDIR /srv
COPY app.tar.gz ./
RUN tar xzf app.tar.gz && rm app.tar.gz
