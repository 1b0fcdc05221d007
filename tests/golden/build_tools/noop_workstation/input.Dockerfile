FROM ubuntu:24.04
RUN apt-get update && apt-get install -y build-essential gdb valgrind vim
RUN make -C /opt/exercises
