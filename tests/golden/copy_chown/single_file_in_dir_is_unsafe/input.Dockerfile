FROM busybox
COPY app.jar /srv/
RUN chown :users /srv/app.jar
