FROM node:22-slim
CMD ["node", "server.js", "--port", "8080"]
FROM python:3.12-slim
entrypoint ["gunicorn", "app:app", "-b", "0.0.0.0:8000"]
