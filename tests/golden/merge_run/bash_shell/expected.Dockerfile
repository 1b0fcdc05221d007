FROM debian:12
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN echo hi | tee /hi \
    && [[ -f /hi ]] && echo ok > /ok
