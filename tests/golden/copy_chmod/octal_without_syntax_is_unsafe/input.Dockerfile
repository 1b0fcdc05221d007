FROM debian:bookworm-slim
COPY run.sh /usr/local/bin/run.sh
RUN chmod 755 /usr/local/bin/run.sh
CMD ["run.sh"]
