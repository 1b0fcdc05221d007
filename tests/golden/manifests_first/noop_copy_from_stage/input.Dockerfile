FROM node:20 AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci

FROM node:20
WORKDIR /app
COPY --from=deps /app .
RUN npm ci
