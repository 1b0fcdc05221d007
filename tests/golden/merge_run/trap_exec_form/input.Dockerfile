# exec form does not run in a shell
FROM alpine
RUN ["mkdir", "/a"]
RUN mkdir /b
RUN ["mkdir", "/c"]
