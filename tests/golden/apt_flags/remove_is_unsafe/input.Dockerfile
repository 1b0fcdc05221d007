FROM debian:bookworm
# -y on a removal is unsafe: the prompt lists what else goes; not applied without --unsafe-fixes
RUN apt-get remove curl
