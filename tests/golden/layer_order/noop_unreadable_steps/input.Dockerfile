FROM golang:1.22 AS build
COPY . /src
RUN cd /src && go build -o /out/tool .

FROM debian:bookworm
WORKDIR /app
COPY . .
RUN make
RUN ["apt-get", "install", "-y", "libfoo"]
RUN --mount=type=bind,source=debs,target=/debs apt-get install -y /debs/tool.deb
RUN <<EOT
apt-get install -y libbar
EOT
RUN if [ -n "$X" ]; then apt-get install -y libx; fi
COPY --from=build /out /usr/local/bin/
