FROM debian:stretch-slim
RUN echo hi
