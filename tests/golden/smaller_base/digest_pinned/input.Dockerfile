FROM python:3.12@sha256:0d9e4b2ac4b1f4c7a2c9e1a1f0c4f6f1a3d6c0e8b5e4a9d2f7c1b3a5e6d8f0a2
COPY app.py /app.py
CMD ["python", "/app.py"]
