FROM golang:1.26 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /tool .

FROM scratch
COPY --from=build /tool /tool
ENTRYPOINT ["/tool"]
