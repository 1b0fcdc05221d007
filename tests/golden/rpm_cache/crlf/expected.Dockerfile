FROM fedora:40
RUN dnf install -y httpd \
    && dnf install -y git \
    && dnf clean all
