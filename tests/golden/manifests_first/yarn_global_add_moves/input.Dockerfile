FROM node:20
WORKDIR /app
COPY . .
RUN yarn global add nodemon
RUN yarn install
CMD ["nodemon", "src/index.js"]
