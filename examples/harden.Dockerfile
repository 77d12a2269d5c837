FROM debian:12
COPY greeting.txt /opt/hello/
CMD ["cat", "/opt/hello/greeting.txt"]
