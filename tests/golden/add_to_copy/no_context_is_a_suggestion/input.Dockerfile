FROM busybox
ADD app.py /app/
