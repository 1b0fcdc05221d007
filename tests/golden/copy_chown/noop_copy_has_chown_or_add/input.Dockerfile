FROM busybox
COPY --chown=1:1 src/ /app/
RUN chown -R node:node /app
ADD vendor.tar.gz /opt/
RUN chown -R node:node /opt
