FROM python
RUN pip install requests
CMD ["python"]
