FROM alpine AS build
RUN mkdir /out
RUN echo hi > /out/hi

FROM alpine
COPY --from=build /out /out
