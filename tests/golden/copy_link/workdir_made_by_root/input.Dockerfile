# syntax=docker/dockerfile:1.4
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
