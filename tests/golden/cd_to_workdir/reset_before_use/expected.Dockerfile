FROM golang:1.22
# build the tool
WORKDIR /src/tool
RUN go build -o /usr/local/bin/tool .
WORKDIR /app
CMD ["tool"]
