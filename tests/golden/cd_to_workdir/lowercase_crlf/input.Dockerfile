from busybox
workdir /app
run cd /app && make
