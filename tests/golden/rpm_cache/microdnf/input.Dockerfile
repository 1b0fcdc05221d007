FROM rockylinux:9
# microdnf never asks: only the cache
RUN microdnf install -y python3
