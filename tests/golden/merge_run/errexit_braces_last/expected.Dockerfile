FROM alpine
SHELL ["/bin/sh", "-ec"]
RUN touch /x \
    && { ls / > /list || true; } \
    && touch /y \
    && { mkdir /a; touch /a/x; }
RUN touch /z
