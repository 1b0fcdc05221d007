FROM debian:bookworm-slim
COPY --chmod=755 run.sh /usr/local/bin/run.sh
CMD ["run.sh"]
