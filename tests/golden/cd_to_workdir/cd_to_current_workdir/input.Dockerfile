FROM busybox
WORKDIR /app
RUN cd /app && make
RUN cd . && make test
RUN cd /app \
    && make install
