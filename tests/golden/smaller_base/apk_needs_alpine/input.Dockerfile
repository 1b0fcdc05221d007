FROM node:22
RUN apk add --no-cache tini
COPY . /app
