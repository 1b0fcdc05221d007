FROM busybox
COPY src/ /app/
RUN chown -R node:node /app
