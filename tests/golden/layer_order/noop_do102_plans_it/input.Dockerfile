FROM python:3.12-slim
WORKDIR /app
COPY . .
EXPOSE 8000
# DO102 moves this one above the COPY
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg
RUN pip install --no-cache-dir -r requirements.txt
CMD ["python", "app.py"]
