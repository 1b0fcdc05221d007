from alpine
run mkdir -p /app \
    && touch /app/x
run --network=none touch /app/y \
    && touch /app/z
