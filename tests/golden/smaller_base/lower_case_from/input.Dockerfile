from node:22 as app
copy . /app
cmd ["node", "/app/index.js"]
