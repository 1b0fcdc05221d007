FROM debian:bookworm
# no-op: apt is configured for yes and no recommends in /etc/apt
RUN printf 'APT::Get::Assume-Yes "true";\nAPT::Install-Recommends "false";\n' > /etc/apt/apt.conf.d/90docker
RUN apt-get update && apt-get install curl
