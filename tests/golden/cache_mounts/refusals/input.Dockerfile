# syntax=docker/dockerfile:1-labs
FROM python:3.12-slim
ENV PIP_NO_CACHE_DIR=1
# no-op: caching is turned off by ENV
RUN pip install flask
USER app
# no-op: not root, the cache is in app's home
RUN npm ci
