FROM alpine
SHELL ["/bin/sh", "-ec"]
RUN touch /x
RUN ls / > /list || true
RUN touch /y
RUN mkdir /a; touch /a/x
RUN touch /z
