# bash's $_ is the last argument of the command before: the first RUN's
FROM debian:12
SHELL ["/bin/bash", "-c"]
RUN mkdir -p /a
RUN echo "$_" > /last
