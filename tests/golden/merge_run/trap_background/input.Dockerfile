# '&' leaves a job running into the second RUN
FROM alpine
RUN sleep 1 &
RUN touch /f
