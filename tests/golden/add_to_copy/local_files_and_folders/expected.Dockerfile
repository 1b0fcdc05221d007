FROM python:3.12-slim
COPY requirements.txt src/ /app/
copy ["setup.cfg", "/app/"]
COPY --chown=1000:1000 --chmod=644 --link setup.cfg /etc/app.cfg
