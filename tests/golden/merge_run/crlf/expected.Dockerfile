FROM alpine
RUN mkdir -p /app \
    # data lives here
    && touch /app/data
CMD ["ls"]
