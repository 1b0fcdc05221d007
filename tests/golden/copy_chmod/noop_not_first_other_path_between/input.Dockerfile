FROM debian:bookworm-slim
COPY a.sh /a.sh
RUN echo hi && chmod 755 /a.sh
COPY b.sh /b.sh
RUN chmod 755 /c.sh
COPY c.sh /c.sh
USER nobody
RUN chmod 755 /c.sh
ADD d.sh /d.sh
RUN chmod 755 /d.sh
COPY --chmod=700 e.sh /e.sh
RUN chmod 755 /e.sh
COPY f.sh /f.sh
RUN chmod u=g /f.sh
