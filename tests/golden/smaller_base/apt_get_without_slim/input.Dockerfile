FROM nginx:1.31
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
COPY site/ /usr/share/nginx/html/
