FROM busybox
WORKDIR /app
WORKDIR vendor
RUN make
COPY conf/ /etc/app/
workdir /srv
