FROM busybox
WORKDIR /srv
COPY site/ www/
ENV A=1
EXPOSE 80
RUN chown --recursive www-data:www-data www
