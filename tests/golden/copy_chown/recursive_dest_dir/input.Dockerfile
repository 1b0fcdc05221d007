FROM node:22-slim
COPY src/ /app/
# give the app user its files
RUN chown -R node:node /app
CMD ["node", "/app/main.js"]
