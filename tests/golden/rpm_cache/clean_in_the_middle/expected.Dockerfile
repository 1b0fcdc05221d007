FROM centos:7
RUN yum install -y epel-release && yum install -y jq && yum clean all
