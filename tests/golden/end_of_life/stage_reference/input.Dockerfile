FROM python:3.12 AS base
FROM base
RUN echo ok
