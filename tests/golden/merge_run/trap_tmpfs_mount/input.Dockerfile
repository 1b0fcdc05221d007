# a tmpfs mount is fresh for each RUN: the second would see the first's files
FROM alpine
RUN --mount=type=tmpfs,target=/scratch touch /scratch/x
RUN --mount=type=tmpfs,target=/scratch ls /scratch > /seen
