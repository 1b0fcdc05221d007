FROM busybox
ONBUILD ADD . /app/
