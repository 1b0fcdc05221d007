FROM busybox
ONBUILD MAINTAINER ops@example.com
