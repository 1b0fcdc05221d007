FROM busybox
USER node
COPY src/ /app/
RUN chown -R node:node /app
