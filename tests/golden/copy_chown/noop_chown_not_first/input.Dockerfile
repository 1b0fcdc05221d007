FROM busybox
COPY src/ /app/
# the echo would run before the owner changed
RUN echo hi > /app/x && chown -R node:node /app
