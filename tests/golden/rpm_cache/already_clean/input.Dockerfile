FROM fedora:40
# no-op: cleaned, or the cache folder removed, or kept on purpose
RUN dnf install -y httpd && dnf clean all
RUN yum install -y nginx && rm -rf /var/cache/yum
RUN dnf install -y --setopt=keepcache=1 git
