# different --mount flags: the RUNs see different files
FROM alpine
RUN --mount=type=cache,target=/cache touch /cache/x
RUN touch /y
RUN --mount=type=cache,target=/other touch /other/z
