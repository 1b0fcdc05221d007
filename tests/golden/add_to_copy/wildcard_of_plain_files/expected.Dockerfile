FROM busybox
COPY conf/*.ini /etc/app/
