FROM python:3.8.10-slim-buster
COPY . /app
