FROM node:carbon
CMD ["node"]
