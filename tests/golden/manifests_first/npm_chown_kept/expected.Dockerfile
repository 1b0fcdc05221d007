FROM node:20
WORKDIR /home/node/app
# the application
COPY --chown=node:node --chmod=644 package.json package-lock.json ./
RUN npm ci --omit=dev
COPY --chown=node:node --chmod=644 . .
