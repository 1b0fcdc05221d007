FROM buildpack-deps:stretch-scm AS build
RUN git clone https://example.com/repo.git /src

FROM debian:trixie-slim
COPY --from=build /src /src
