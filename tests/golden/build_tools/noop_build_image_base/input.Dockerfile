FROM buildpack-deps:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends cmake && rm -rf /var/lib/apt/lists/*
RUN cmake --build /opt/ci
