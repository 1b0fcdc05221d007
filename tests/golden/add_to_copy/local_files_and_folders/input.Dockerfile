FROM python:3.12-slim
ADD requirements.txt src/ /app/
add ["setup.cfg", "/app/"]
ADD --chown=1000:1000 --chmod=644 --link setup.cfg /etc/app.cfg
