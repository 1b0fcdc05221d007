FROM node:22-slim
COPY --chown=1000:1000 . /app/
RUN echo done > /tmp/done
