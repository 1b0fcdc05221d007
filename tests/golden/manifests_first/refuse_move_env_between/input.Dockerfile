FROM python:3.12-slim
WORKDIR /app
COPY . .
ENV PIP_INDEX_URL=https://pypi.example/simple
RUN pip install flask
