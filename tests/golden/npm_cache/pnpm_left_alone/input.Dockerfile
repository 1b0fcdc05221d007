FROM node:20-slim
WORKDIR /app
COPY . .
# no-op: pnpm's store is hard-linked into node_modules
RUN pnpm install --frozen-lockfile
