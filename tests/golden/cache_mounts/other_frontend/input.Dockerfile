# syntax=example.com/my/frontend:2
FROM python:3.12-slim
# no-op: an unknown frontend
RUN pip install flask
