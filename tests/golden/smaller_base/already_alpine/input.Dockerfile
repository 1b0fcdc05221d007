FROM node:22-alpine3.23
COPY . /app
CMD ["node", "/app/server.js"]
