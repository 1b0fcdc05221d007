FROM debian:bookworm-slim
COPY . /tmp/src
RUN cd /tmp/src && make install
RUN rm -rf /tmp/src
