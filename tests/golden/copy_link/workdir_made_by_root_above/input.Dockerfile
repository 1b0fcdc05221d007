# syntax=docker/dockerfile:1
FROM nginx:1.25
WORKDIR /srv/www/site
COPY public/ ./public/
COPY conf/ /etc/nginx/conf.d/
