FROM node:20
WORKDIR /app
COPY . .
# git for the private dependencies
RUN apt-get update && apt-get install -y git
RUN npm ci
