# escape=`
FROM busybox
COPY app.ps1 `
    C:/app/
