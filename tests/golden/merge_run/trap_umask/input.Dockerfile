# 'umask' in the first RUN would change the mode of the second's files
FROM alpine
RUN umask 077
RUN touch /f
