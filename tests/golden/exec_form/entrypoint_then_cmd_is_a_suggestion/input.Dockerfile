FROM busybox
ENTRYPOINT prog --serve
CMD ["--port", "80"]
