FROM python:3.12 AS build
# the builder's cache never reaches the image
RUN pip install build && python -m build
FROM python:3.12-slim
COPY --from=build /dist /dist
