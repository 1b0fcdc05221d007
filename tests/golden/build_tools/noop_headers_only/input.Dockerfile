FROM python:3.12
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev libmagic-dev \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir psycopg2 python-magic
