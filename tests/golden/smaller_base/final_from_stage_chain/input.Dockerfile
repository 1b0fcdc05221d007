FROM python:3.12-bookworm AS base
ENV PYTHONDONTWRITEBYTECODE=1
WORKDIR /app

FROM base AS deps
COPY requirements.txt .
RUN pip install --prefix=/install -r requirements.txt

FROM base
COPY --from=deps /install /usr/local
COPY . .
CMD ["python", "main.py"]
