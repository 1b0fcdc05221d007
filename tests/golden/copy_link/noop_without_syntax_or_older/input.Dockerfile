# syntax=docker/dockerfile:1.3
FROM node:20-slim
COPY . /app/
