FROM node:20-slim
WORKDIR /app
# .dockerignore leaves package-lock.json out: npm ci would fail
COPY . .
RUN npm install
