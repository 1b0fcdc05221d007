# syntax=docker/dockerfile:1
FROM debian:bookworm AS base
WORKDIR /scratch
RUN tar -xf buildroot.tar.gz
FROM base
WORKDIR /scratch/buildroot
COPY conf/ .
