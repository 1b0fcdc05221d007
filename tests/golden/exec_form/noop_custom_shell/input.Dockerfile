FROM busybox AS base
SHELL ["/bin/bash", "-c"]
CMD prog
FROM base
CMD prog
FROM mcr.microsoft.com/windows/servercore:ltsc2022
CMD prog.exe
