# with -e, a compound command left of '&&' runs with -e ignored: 'false' would not stop it
FROM debian:12
SHELL ["/bin/bash", "-euo", "pipefail", "-c"]
RUN if [ -d /tmp ]; then false; echo 'not reached'; fi
RUN touch /x
