FROM node:20 AS docs
WORKDIR /docs
COPY . .
RUN npm run build-docs
RUN apt-get update && apt-get install -y graphviz

FROM node:20
WORKDIR /app
COPY package.json ./
RUN npm install
