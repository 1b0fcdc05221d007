FROM busybox
COPY src/ /app/
# a RUN between may write under /app
RUN touch /app/extra
RUN chown -R node:node /app
