FROM node:20 AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build
FROM node:20
WORKDIR /app
ADD . .
RUN npm ci --omit=dev
