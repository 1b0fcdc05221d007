# syntax=docker/dockerfile:1
FROM debian:bookworm-slim
COPY big.bin /tmp/
# clean up
RUN rm /tmp/big.bin
CMD ["bash"]
