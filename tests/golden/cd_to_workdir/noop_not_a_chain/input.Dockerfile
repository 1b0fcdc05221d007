FROM busybox
# a missing /src does not stop these; WORKDIR would create it
RUN cd /src; make
RUN cd /src && make || true
RUN cd /src
