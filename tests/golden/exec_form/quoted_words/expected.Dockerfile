FROM busybox
CMD ["echo", "hello world", "it's"]
