# nothing here has reached its end of life
FROM python:3.13-slim-trixie
FROM node:lts
FROM alpine:edge
FROM ubuntu:24.04
FROM debian:bookworm-backports
