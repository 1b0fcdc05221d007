FROM fedora:40
# no fix on line 3: line 4 installs from the cache alone
RUN dnf install -y httpd
RUN dnf -C install -y mod_ssl
