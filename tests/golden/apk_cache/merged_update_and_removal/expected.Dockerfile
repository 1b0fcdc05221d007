FROM alpine:3.20
# what DO101 makes of RUN apk update && rm -rf /var/cache/apk/* and RUN apk add python3
RUN apk add --no-cache python3
