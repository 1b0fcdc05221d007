# the second RUN needs braces, and its comment would swallow the closing one
FROM alpine
RUN mkdir /a
RUN touch /a/x || true # best effort
