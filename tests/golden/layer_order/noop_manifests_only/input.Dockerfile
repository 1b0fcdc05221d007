FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt setup.py ./
COPY config/ ./config/
RUN pip install --no-cache-dir -r requirements.txt
RUN apt-get update && apt-get install -y libpq5
