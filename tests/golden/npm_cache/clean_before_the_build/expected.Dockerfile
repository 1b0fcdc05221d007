FROM node:20-slim
WORKDIR /app
COPY . .
# the cleanup goes right after the install, where DO102 can still split the RUN
RUN npm install && npm cache clean --force && \
    npm run build
