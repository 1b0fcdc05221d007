# escape=`
FROM busybox
label org.opencontainers.image.authors='Jo `"Ops`" "Team"'
