FROM fedora:40
RUN dnf install httpd
