FROM debian:bookworm
RUN useradd -m app
USER app
# a finding without a fix: a plain rm as app could not delete root's lists
RUN sudo apt-get update && sudo apt-get install -y curl
