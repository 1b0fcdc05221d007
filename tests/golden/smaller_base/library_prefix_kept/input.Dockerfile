FROM docker.io/library/python:3.12
RUN pip install requests
CMD ["python"]
