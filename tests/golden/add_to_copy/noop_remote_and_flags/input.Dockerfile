FROM busybox
ADD https://example.com/tool /usr/local/bin/tool
ADD git@github.com:moby/buildkit.git /src
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d file.txt /x
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /buildkit
ADD $SRC /app/
