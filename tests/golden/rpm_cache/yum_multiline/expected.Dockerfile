FROM centos:7
RUN yum -y install epel-release \
    && yum install -y nginx \
    && yum clean all
