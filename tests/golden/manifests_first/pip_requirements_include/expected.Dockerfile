FROM python:3.12-slim
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends gcc
COPY requirements.txt constraints.txt ./
COPY requirements/base.txt ./requirements/
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["python", "app.py"]
