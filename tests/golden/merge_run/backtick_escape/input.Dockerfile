# escape=`
FROM alpine
RUN mkdir -p /app && `
    touch /app/a
RUN echo 'a\b' > /app/b
