FROM node:20
WORKDIR /home/node/app
# the application
COPY --chown=node:node --chmod=644 . .
RUN npm ci --omit=dev
