# syntax=docker/dockerfile:1
FROM python:3.12-slim
# --no-cache-dir starts a line: the suggestion has no edit
RUN pip install \
    --no-cache-dir flask
