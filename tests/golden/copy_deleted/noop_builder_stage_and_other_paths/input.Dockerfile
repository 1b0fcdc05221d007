FROM debian:bookworm-slim AS build
COPY app.tar.gz /tmp/
RUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz
FROM debian:bookworm-slim
COPY --from=build /opt /opt
COPY notes.txt /tmp/
RUN rm -f /tmp/other.txt && cat /tmp/notes.txt
