from busybox
copy --chown=node:node src/ /app/
