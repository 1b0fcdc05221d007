# 'export' in the first RUN would give the second X
FROM alpine
RUN export X=1
RUN echo "$X" > /x
