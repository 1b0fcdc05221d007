FROM busybox
MAINTAINER Jane Doe <jane@example.com>
RUN true
