FROM busybox
COPY <<EOF /etc/motd
hello
EOF
