# the ENV between them is a step of its own
FROM alpine
RUN mkdir /a
ENV A=1
RUN mkdir /b
ONBUILD RUN mkdir /c
RUN mkdir /d
