FROM alpine
RUN mkdir /a \
    && mkdir /b