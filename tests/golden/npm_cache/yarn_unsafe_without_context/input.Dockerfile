FROM node:20-slim
WORKDIR /app
COPY package.json yarn.lock ./
# without a build context yarn's version is unknown: yarn 2+ may load packages from its cache
RUN yarn install --frozen-lockfile
