FROM ubuntu:24.04
ARG UID=1000
RUN apt-get update && apt-get install -y build-essential cmake
RUN useradd --uid "$UID" dev
RUN cmake -S /opt/project -B /opt/build
