FROM opensuse/leap:15
RUN zypper --non-interactive install curl && zypper --non-interactive rm vim && zypper clean --all
