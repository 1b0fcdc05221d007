# a bare assignment in the first RUN would set the variable for the second
FROM alpine
RUN PATH=/nowhere
RUN ls / > /listing
