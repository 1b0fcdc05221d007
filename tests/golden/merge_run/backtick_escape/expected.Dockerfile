# escape=`
FROM alpine
RUN mkdir -p /app && `
    touch /app/a && `
    echo 'a\b' > /app/b
