FROM busybox
WORKDIR /srv
COPY --chown=www-data:www-data site/ www/
ENV A=1
EXPOSE 80
