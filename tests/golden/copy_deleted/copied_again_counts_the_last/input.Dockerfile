FROM debian:bookworm-slim
COPY a.txt /tmp/a.txt
COPY b.txt /tmp/a.txt
RUN rm /tmp/a.txt
