from busybox
  # who to ask
  maintainer ops@example.com
