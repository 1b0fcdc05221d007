FROM opensuse/leap:15
RUN zypper install curl && zypper rm vim
