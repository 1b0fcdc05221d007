FROM busybox
ADD conf/*.ini /etc/app/
