FROM python:3.12-slim
RUN apt-get update && apt-get install -y gcc libpq-dev
RUN pip install psycopg2
