FROM alpine:3.20
# a comment line sits where the update would be deleted: the removal is appended instead
RUN apk update \
    # fresh index
    && apk add curl
