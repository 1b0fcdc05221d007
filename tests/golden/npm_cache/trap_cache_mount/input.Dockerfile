# syntax=docker/dockerfile:1
FROM node:20-slim
WORKDIR /app
COPY . .
# no-op: cleaning would empty the mounts
RUN --mount=type=cache,target=/root/.npm npm ci
RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install
