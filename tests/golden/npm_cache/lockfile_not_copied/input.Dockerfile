FROM node:20-slim
WORKDIR /app
COPY package.json ./
# no npm ci finding: no COPY brings the lockfile in
RUN npm install && npm cache clean --force
