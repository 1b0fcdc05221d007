FROM debian:bookworm-slim
ADD app.tar.gz /opt/app/
# unpack
RUN ln -s /opt/app/app/bin/run /usr/local/bin/run
