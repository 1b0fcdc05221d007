FROM node:20
WORKDIR /app
COPY . .
RUN cp config/.npmrc . && npm ci
