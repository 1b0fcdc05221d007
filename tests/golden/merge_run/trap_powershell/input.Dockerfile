# escape=`
# PowerShell is not a POSIX shell: '&&' and '#' mean other things
FROM mcr.microsoft.com/powershell:lts-debian-11
SHELL ["pwsh", "-Command"]
RUN New-Item -ItemType Directory /a
RUN Set-Content /a/x 'hi'
