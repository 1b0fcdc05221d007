FROM busybox AS build
RUN mkdir /out
FROM busybox
# after --from the group that chown keeps is the source's
COPY --from=build /out/ /app/
RUN chown -R node /app
