FROM node:20 AS build
WORKDIR /app
FROM node:20
COPY --from=build . /app
