FROM ubuntu:14.04
# the distribution's pip 1.5.4 has no --no-cache-dir (pip 6.0)
RUN apt-get update && apt-get install -y python-pip
RUN pip install --upgrade pip && pip install flask
