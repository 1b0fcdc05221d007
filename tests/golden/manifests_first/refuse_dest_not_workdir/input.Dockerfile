FROM node:20
WORKDIR /app
COPY . /src
RUN npm ci
