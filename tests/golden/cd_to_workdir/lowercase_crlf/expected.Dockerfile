from busybox
workdir /app
run make
