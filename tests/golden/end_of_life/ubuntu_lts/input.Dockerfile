FROM ubuntu:18.04
RUN echo hi
