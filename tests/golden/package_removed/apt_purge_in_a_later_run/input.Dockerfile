FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev=15.* && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir psycopg2
RUN apt-get purge -y --auto-remove gcc libpq-dev
