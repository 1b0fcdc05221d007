# escape=`
# a Windows image runs RUN with cmd, not sh
FROM mcr.microsoft.com/windows/servercore:ltsc2022
RUN mkdir C:\app
RUN echo hi > C:\app\x
