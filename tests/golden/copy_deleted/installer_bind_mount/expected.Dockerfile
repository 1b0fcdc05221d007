# syntax=docker/dockerfile:1
FROM debian:bookworm-slim
RUN --mount=type=bind,source=install.sh,target=/tmp/install.sh,rw sh /tmp/install.sh
