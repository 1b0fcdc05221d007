FROM busybox
ADD <<EOF /etc/motd
hello
EOF
