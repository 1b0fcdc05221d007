FROM python:3.12 AS build
RUN python -m venv /venv
COPY requirements.txt .
RUN /venv/bin/pip install -r requirements.txt

FROM python:3.12
COPY --from=build /venv /venv
CMD ["/venv/bin/python", "-m", "app"]
