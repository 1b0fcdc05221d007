FROM debian:bookworm-slim
ADD vendor.tar.gz /tmp/
ADD notes.gz.txt /tmp/
ADD other.tgz /srv/
RUN rm -f /tmp/vendor.tar.gz /tmp/notes.gz.txt /srv/other.tgz
