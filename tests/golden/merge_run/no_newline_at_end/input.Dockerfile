FROM alpine
RUN mkdir /a
RUN mkdir /b