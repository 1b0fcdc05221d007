FROM busybox
COPY --chown=0:users app.jar /srv/
