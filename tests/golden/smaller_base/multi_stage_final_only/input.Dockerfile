# syntax=docker/dockerfile:1
FROM golang:1.26 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/tool ./cmd/tool

FROM node:22 AS assets
COPY web/ /web/
RUN cd /web && npm ci && npm run build

FROM nginx:1.31
COPY --from=assets /web/dist/ /usr/share/nginx/html/
COPY --from=build /out/tool /usr/local/bin/tool
