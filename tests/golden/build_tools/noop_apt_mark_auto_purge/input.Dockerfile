FROM debian:bookworm-slim
RUN set -eux; \
	savedAptMark="$(apt-mark showmanual)"; \
	apt-get update; \
	apt-get install -y --no-install-recommends gcc make libc6-dev; \
	make -C /usr/src/tool install; \
	apt-mark auto '.*' > /dev/null; \
	[ -z "$savedAptMark" ] || apt-mark manual $savedAptMark; \
	apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false; \
	rm -rf /var/lib/apt/lists/*
RUN buildDeps='gcc make' && apt-get update && apt-get install -y $buildDeps build-essential \
    && make -C /usr/src/other && apt-get purge -y --auto-remove $buildDeps build-essential
