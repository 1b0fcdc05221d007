# a login shell reads the profile again for each RUN: the first writes it
FROM debian:12
SHELL ["/bin/bash", "-lc"]
RUN echo 'export PATH=/opt/tool/bin:$PATH' >> /root/.profile
RUN tool --version
