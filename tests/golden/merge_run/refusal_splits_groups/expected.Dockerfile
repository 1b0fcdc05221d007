FROM alpine
RUN mkdir /app \
    && cd /app
RUN touch x \
    && touch y
