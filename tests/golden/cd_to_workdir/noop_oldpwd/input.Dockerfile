FROM busybox
WORKDIR /app
RUN cd /src && make && cd - && ls
RUN cd /src && cp x $OLDPWD
