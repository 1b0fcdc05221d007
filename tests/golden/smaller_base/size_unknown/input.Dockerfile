# python:3.10 is not in the size data: the message claims no size
FROM python:3.10
COPY app.py /app/
