FROM node:20-slim
WORKDIR /app
COPY package*.json ./
RUN npm install --omit=dev
RUN npm install -g pm2
