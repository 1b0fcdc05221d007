# syntax=docker/dockerfile:1
FROM node:20-slim
COPY --chown=node:node a/ /a/
COPY tool /usr/bin/
COPY x /
COPY file /srv/file
COPY --link b/ /b/
COPY c/ /app/
RUN make -C /app
COPY d/ /app/d/
USER node
WORKDIR /home/node/w
COPY e/ /home/node/w/
ADD f/ /f/
COPY g/ /tmp/
COPY h/ /var/www/html/
COPY i/ /tmp/i/
