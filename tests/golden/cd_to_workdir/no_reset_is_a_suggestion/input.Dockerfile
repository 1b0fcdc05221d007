FROM busybox
RUN cd /src && make
CMD ["/src/app"]
