FROM debian:bookworm AS base
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates
ONBUILD RUN apt-get install -y --no-install-recommends curl
# the trigger runs in the stage built FROM base, on these lists
FROM base
RUN apt-get update && apt-get install -y --no-install-recommends eatmydata
RUN eatmydata apt-get install -y --no-install-recommends git
RUN apt-get update && apt-get install -y --no-install-recommends python3-rosdep
RUN rosdep install --from-paths src -y
RUN apt-get update && apt-get install -y --no-install-recommends sudo
RUN su -c 'apt-get install -y --no-install-recommends make' root
