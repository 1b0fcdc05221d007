FROM debian:bookworm
# no finding on line 3: the install on line 5 reads its lists (and gets the stale-lists finding)
RUN apt-get update && apt-get install -y curl
COPY . /src
RUN apt-get install -y make
