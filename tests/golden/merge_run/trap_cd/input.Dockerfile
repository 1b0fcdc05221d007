# 'cd' in the first RUN would move the second into /app
FROM alpine
RUN mkdir -p /app && cd /app
RUN pwd > /where
