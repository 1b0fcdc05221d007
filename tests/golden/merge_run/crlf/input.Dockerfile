FROM alpine
RUN mkdir -p /app
# data lives here
RUN touch /app/data
CMD ["ls"]
