FROM node:20
WORKDIR /srv
WORKDIR app
ENV NODE_ENV=production
COPY . /srv/app
RUN npm ci
