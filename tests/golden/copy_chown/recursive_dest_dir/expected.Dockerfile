FROM node:22-slim
COPY --chown=node:node src/ /app/
CMD ["node", "/app/main.js"]
