FROM debian:bookworm AS build
RUN apt-get install -y gcc
RUN apt-get purge -y gcc
FROM debian:bookworm-slim
COPY --from=build /out /out
