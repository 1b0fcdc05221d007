FROM debian:bookworm
RUN rm /bin/sh && ln -s /bin/bash /bin/sh
RUN source /etc/profile && echo $BASH_VERSION
