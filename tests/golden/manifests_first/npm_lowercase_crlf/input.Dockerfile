from node:20
workdir /app
copy . ./
run npm ci
