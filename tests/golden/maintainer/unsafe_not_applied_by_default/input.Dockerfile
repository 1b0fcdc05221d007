FROM busybox
MAINTAINER ops@example.com
