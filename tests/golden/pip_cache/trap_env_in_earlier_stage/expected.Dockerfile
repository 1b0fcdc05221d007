FROM python:3.12 AS build
ENV PIP_NO_CACHE_DIR=1
RUN pip install build
FROM python:3.12-slim
# the ENV of the unrelated stage above does not reach this one
RUN pip install --no-cache-dir flask
