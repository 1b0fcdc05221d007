# the second RUN's shell text does not parse: nothing can be proven about it
FROM alpine
RUN mkdir /a
RUN if true; then touch /a/x
