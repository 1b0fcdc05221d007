FROM busybox
MAINTAINER "Jane $Doe" \ <jane@example.com>
