FROM alpine
RUN mkdir -p /a; touch /a/x \
    && ls /a > /list
