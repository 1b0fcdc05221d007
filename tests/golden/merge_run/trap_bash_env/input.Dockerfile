# bash reads BASH_ENV again for each RUN: the first writes it
FROM debian:12
SHELL ["/bin/bash", "-c"]
ENV BASH_ENV=/etc/app.env
RUN echo 'export A=1' > /etc/app.env
RUN echo "$A" > /a
