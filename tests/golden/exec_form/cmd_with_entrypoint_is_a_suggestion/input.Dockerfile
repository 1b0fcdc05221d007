FROM busybox
ENTRYPOINT ["/entrypoint.sh"]
CMD nginx -g daemon-off
