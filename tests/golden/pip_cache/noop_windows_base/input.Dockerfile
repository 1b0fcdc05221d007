ARG BASE=mcr.microsoft.com/windows/servercore:ltsc2022
FROM ${BASE}
# cmd is the shell: no POSIX hygiene
RUN pip install flask
