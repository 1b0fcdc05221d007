FROM busybox
LABEL org.opencontainers.image.authors="team@example.com"
MAINTAINER ops@example.com
