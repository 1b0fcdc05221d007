FROM node:20
WORKDIR /app
# git for the private dependencies
RUN apt-get update && apt-get install -y git
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
