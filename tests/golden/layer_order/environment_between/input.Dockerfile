FROM ubuntu:22.04
COPY server /opt/server
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y libssl3
USER nobody
CMD ["/opt/server/run"]
