# a function defined by the first RUN would replace a command of the second
FROM alpine
RUN ls() { echo shadowed; }
RUN ls / > /listing
