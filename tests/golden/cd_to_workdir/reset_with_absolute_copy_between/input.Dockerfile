FROM busybox
WORKDIR /app
RUN cd vendor \
    && make
COPY conf/ /etc/app/
workdir /srv
