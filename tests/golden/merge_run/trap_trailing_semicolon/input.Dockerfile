# '&&' cannot follow the ';' that ends the first RUN
FROM alpine
RUN mkdir /a;
RUN touch /a/x
