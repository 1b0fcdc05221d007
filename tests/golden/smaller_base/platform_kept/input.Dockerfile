FROM --platform=linux/amd64 node:22 AS app
COPY . /app
CMD ["node", "/app/index.js"]
