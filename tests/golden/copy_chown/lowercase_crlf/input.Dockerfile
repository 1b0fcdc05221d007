from busybox
copy src/ /app/
run chown -R node:node /app
