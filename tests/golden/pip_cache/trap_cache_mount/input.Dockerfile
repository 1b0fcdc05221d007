# syntax=docker/dockerfile:1
FROM python:3.12-slim
# no-op: the mount keeps the cache out of the layer; --no-cache-dir would make it useless
RUN --mount=type=cache,target=/root/.cache/pip pip install flask
RUN --mount=type=cache,target=/root/.cache pip install gunicorn
ENV PIP_CACHE_DIR=/var/cache/pip
RUN --mount=type=cache,target=/var/cache/pip pip install requests
