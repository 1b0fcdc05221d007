# a builder stage does not ship: its RUNs stay cache points
FROM golang:1.22 AS build
RUN go mod download
RUN go build -o /out/app .

FROM alpine
COPY --from=build /out/app /app
