# syntax=docker/dockerfile:1.1
FROM python:3.12-slim
# no-op: docker/dockerfile:1.1 has no RUN --mount
RUN pip install flask
