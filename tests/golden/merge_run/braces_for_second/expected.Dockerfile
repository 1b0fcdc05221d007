FROM alpine
RUN mkdir -p /app \
    && { test -f /app/x || touch /app/x; } \
    && { echo one > /app/a; echo two >> /app/a; } \
    && ls /app | wc -l > /app/count
