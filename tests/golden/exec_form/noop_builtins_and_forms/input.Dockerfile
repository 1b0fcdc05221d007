FROM busybox
CMD exec nginx
CMD cd /app
CMD ["nginx"]
CMD prog \
    --flag
ONBUILD CMD prog
HEALTHCHECK CMD wget -q localhost
