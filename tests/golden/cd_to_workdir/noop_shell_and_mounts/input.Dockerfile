FROM busybox AS a
RUN --mount=type=cache,target=.cache cd /src && make
WORKDIR /
FROM busybox AS b
SHELL ["/bin/bash", "-c"]
RUN cd /src && make
WORKDIR /
