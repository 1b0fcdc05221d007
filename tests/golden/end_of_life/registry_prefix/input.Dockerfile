FROM docker.io/library/php:7.4-fpm
FROM ghcr.io/library/php:7.4-fpm
