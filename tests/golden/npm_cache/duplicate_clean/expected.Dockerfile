FROM node:20-slim
RUN npm ci && npm install -g serve && npm cache clean --force
