FROM busybox
WORKDIR /app
RUN make
RUN make test
RUN make install
