FROM debian:bookworm
WORKDIR /app
COPY . /app
RUN make
# each of these reads or writes what the COPY brought in
RUN apt-get install -y libfoo && cp /app/foo.conf /etc/foo.conf
RUN tar -xzf vendor.tgz -C /opt
RUN wget https://example.com/data.bin
RUN ./install-deps.sh && apt-get install -y libbar
RUN npm install -g pm2
RUN apt-get install -y libbaz > build.log
RUN curl -fsSL https://example.com/x -o $OUT
RUN /opt/venv/bin/pip install gunicorn
