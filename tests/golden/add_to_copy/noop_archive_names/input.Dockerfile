FROM busybox
ADD vendor.tar.gz /opt/
ADD rootfs.tar /
ADD data.TXZ /data/
ADD patch.gz /tmp/
