ARG BASE=mcr.microsoft.com/windows/nanoserver:ltsc2022
FROM ${BASE}
CMD ping localhost
