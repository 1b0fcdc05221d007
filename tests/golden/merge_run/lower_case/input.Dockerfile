from alpine
run mkdir -p /app
RUN touch /app/x
run --network=none touch /app/y
run --network=none touch /app/z
