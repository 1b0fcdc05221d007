FROM python:3.12-slim
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends gcc
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
CMD ["python", "app.py"]
