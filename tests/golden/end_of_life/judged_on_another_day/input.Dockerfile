FROM node:22
FROM postgres:15
