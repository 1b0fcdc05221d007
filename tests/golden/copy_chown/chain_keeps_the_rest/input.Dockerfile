FROM node:22-slim
COPY . /app/
RUN chown -R 1000:1000 /app \
    && echo done > /tmp/done
