from busybox
  # who to ask
  label org.opencontainers.image.authors="ops@example.com"
