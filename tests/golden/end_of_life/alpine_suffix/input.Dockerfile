FROM golang:1.26-alpine3.17 AS build
RUN go build -o /app .

FROM alpine:3.24
COPY --from=build /app /app
