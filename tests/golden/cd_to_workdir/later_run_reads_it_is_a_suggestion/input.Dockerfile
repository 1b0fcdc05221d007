FROM busybox
RUN cd /src && make
RUN make test
WORKDIR /
