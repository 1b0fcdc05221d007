# syntax=docker/dockerfile:1.4
FROM python:3.12-slim
# no-op: already mounted
RUN --mount=type=cache,target=/root/.cache/pip pip install flask
