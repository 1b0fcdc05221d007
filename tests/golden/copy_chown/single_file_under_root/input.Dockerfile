FROM busybox
COPY app.jar /app.jar
RUN chown node /app.jar
