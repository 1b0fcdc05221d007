FROM python:3.12-slim
# no-op: pip reads PIP_NO_CACHE_DIR (any value, even 0) as "no cache"
ENV PIP_NO_CACHE_DIR=0
RUN pip install flask
