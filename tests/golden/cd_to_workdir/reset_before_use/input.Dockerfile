FROM golang:1.22
# build the tool
RUN cd /src/tool && go build -o /usr/local/bin/tool .
WORKDIR /app
CMD ["tool"]
