FROM busybox
COPY --chown=node:0 app.jar /app.jar
