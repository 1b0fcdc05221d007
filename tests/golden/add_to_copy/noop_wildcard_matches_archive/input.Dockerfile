FROM busybox
ADD pkgs/* /opt/
