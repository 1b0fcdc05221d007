FROM postgres:17-bookworm
COPY init.sql /docker-entrypoint-initdb.d/
