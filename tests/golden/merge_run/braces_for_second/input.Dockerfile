FROM alpine
RUN mkdir -p /app
RUN test -f /app/x || touch /app/x
RUN echo one > /app/a; echo two >> /app/a;
RUN ls /app | wc -l > /app/count
