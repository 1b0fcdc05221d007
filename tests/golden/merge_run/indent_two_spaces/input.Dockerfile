FROM alpine
RUN apk add --no-cache \
  curl \
  git
# the user the app runs as
RUN adduser -D app
