FROM node:20-slim
WORKDIR /app
COPY . .
# no fix: line 6 installs from the cache line 5 fills
RUN npm ci
RUN npm install --offline ./vendor/tool.tgz && npm cache clean --force
