FROM busybox
WORKDIR /app
RUN cd $HOME && ls
RUN cd ~/src && ls
RUN cd "/my dir" && ls
RUN cd - && ls
RUN cd -P /app && ls
RUN cd && ls
