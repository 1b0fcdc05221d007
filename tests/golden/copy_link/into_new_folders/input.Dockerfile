# syntax=docker/dockerfile:1
FROM golang:1.22 AS build
RUN go build -o /out/app .
FROM gcr.io/distroless/static-debian12
COPY --from=build /out/ /app/
COPY --chown=1000:1000 config/ /etc/app/
CMD ["/app/app"]
