#!/bin/sh
echo installed > /opt/marker
