FROM fedora:31
RUN dnf install -y httpd && dnf clean all
