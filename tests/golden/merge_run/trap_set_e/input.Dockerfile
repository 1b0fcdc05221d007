# 'set -e' in the first RUN would make the second stop at its first failure
FROM alpine
RUN set -eux; mkdir /a
RUN false; touch /after-false
