FROM python:3.12-slim
ARG PIP_NO_CACHE_DIR=1
# no-op: ARG sets it for this stage's RUNs; line 6 sets it itself
RUN pip install flask
RUN PIP_NO_CACHE_DIR=1 pip install gunicorn
