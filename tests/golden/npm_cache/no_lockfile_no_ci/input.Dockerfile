FROM node:20-slim
WORKDIR /app
COPY package.json ./
# no npm ci finding: the build context has no lockfile
RUN npm install && npm cache clean --force
