FROM postgres:17
COPY init.sql /docker-entrypoint-initdb.d/
