# syntax=docker/dockerfile:1
FROM debian:bookworm-slim AS build
RUN echo > /tool
FROM debian:bookworm-slim
COPY --from=build /tool /usr/local/bin/tool
RUN chmod 755 /usr/local/bin/tool
COPY run.sh /run.sh
RUN chmod 4755 /run.sh
