# the comment ending the first RUN would swallow '&& ...'
FROM alpine
RUN mkdir /a # make the dir
RUN touch /a/x
