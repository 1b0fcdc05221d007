FROM fedora:40
RUN dnf install -y gcc-c++ cmake
RUN cmake . && make
RUN dnf remove -y gcc-c++
