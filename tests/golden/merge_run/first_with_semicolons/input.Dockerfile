FROM alpine
RUN mkdir -p /a; touch /a/x
RUN ls /a > /list
