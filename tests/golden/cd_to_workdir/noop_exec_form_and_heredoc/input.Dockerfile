FROM busybox
RUN ["sh", "-c", "cd /src && make"]
RUN <<EOF
cd /src && make
EOF
WORKDIR /
