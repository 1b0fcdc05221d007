FROM debian:bookworm AS base
RUN apt-get update && apt-get install -y curl
FROM base
# the child stage starts from line 2's layer and reads its lists: no removal there
RUN apt-cache policy curl
