FROM python:3.12-slim
RUN pip install \
        flask \
        gunicorn \
    && python3 -m pip \
        install requests
