FROM debian:12
SHELL ["/bin/sh", "-ec"]
RUN mkdir /a && touch /a/x
RUN for f in /a/*; do cp "$f" /tmp; done
