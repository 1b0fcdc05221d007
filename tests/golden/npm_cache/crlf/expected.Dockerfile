FROM node:20-slim
RUN npm install -g typescript && npm cache clean --force
