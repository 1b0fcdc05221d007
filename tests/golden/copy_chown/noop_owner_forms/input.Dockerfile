FROM busybox
# user: means the login group
COPY a/ /a/
RUN chown -R node: /a
# user.group is ambiguous
COPY b/ /b/
RUN chown -R node.node /b
# variables are expanded by the shell, not by COPY
COPY c/ /c/
RUN chown -R $APP_USER /c
