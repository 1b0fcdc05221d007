FROM node:20
WORKDIR /srv
WORKDIR app
ENV NODE_ENV=production
COPY package.json package-lock.json .npmrc /srv/app/
RUN npm ci
COPY . /srv/app
