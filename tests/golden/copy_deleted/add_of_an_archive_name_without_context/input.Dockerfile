FROM debian:bookworm-slim
ADD vendor.tar.gz /tmp/
RUN rm -rf /tmp/vendor.tar.gz
