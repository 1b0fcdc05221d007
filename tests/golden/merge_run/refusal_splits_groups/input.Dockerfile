FROM alpine
RUN mkdir /app
RUN cd /app
RUN touch x
RUN touch y
