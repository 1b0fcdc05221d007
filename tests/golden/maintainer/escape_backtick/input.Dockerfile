# escape=`
FROM busybox
maintainer Jo `"Ops`" "Team"
