# escape=`
FROM busybox
ADD app.ps1 `
    C:/app/
