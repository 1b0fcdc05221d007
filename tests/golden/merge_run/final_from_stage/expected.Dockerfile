FROM alpine AS base
RUN mkdir /a \
    && mkdir /b

FROM alpine AS unrelated
RUN mkdir /c
RUN mkdir /d

FROM base
RUN mkdir /e \
    && mkdir /f
