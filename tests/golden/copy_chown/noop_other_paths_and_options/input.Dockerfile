FROM busybox
COPY src/ /app/
RUN chown -R node:node /app /data
COPY lib/ /lib2/
RUN chown -Rh node:node /lib2
COPY etc/ /etc2/
RUN chown -R node:node /etc2/sub
