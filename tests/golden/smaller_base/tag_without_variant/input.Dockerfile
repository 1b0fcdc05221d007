FROM python:3.6
RUN pip install flask
CMD ["flask", "run"]
