FROM alpine:3.2
# apk 2.5 has no --no-cache; apk update serves the next RUN's apk add
RUN apk update
RUN apk add curl
