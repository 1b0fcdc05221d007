FROM busybox
# only /app itself changes owner, not what was copied into it
COPY src/ /app/
RUN chown node:node /app
