# a heredoc body cannot take '&& ...'
FROM alpine
RUN <<EOF
mkdir /a
EOF
RUN mkdir /b
