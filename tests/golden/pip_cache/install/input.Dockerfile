FROM python:3.12-slim
COPY requirements.txt .
RUN pip install -r requirements.txt
RUN pip3 install --upgrade pip && python -m pip install gunicorn
