FROM fedora:40
RUN echo assumeyes=True >> /etc/dnf/dnf.conf
RUN dnf install httpd && dnf clean all
