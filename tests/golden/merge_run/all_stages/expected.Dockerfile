FROM alpine AS build
RUN mkdir /out \
    && echo hi > /out/hi

FROM alpine
COPY --from=build /out /out
