FROM debian:bookworm-slim
RUN apt-get install -y libssl-dev
RUN pip install requests
FROM maven:3
RUN echo no build here
