FROM node:20
WORKDIR /app
COPY . .
RUN npm install && npm run build && npm cache clean --force
