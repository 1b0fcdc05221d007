FROM python:3.12-slim AS base
ENV PIP_NO_CACHE_DIR=1
FROM base
# no-op: this stage is built FROM base and inherits its ENV
RUN pip install flask
