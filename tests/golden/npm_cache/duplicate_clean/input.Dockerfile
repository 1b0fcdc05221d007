FROM node:20-slim
RUN npm ci && npm cache clean --force && npm install -g serve && npm cache clean --force
