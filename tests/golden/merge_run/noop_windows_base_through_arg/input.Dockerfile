ARG BASE=mcr.microsoft.com/windows/servercore:ltsc2022
FROM ${BASE}
RUN mkdir C:\\app
RUN echo done
