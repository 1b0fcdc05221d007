FROM ghcr.io/example/python:3.12 AS one
FROM bitnami/python:3.12 AS two
FROM localhost:5000/python:3.12
COPY --from=one /a /a
