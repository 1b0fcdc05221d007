FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN hg id > VERSION
