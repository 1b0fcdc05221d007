FROM node:22-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*
COPY . /app
ENTRYPOINT ["tini", "--", "node", "/app/server.js"]
