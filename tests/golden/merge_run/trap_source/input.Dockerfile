# '.' runs a file in the first RUN's shell: its variables would reach the second
FROM alpine
RUN echo 'Y=2' > /env && . /env
RUN echo "$Y" > /y
