FROM busybox
# notes.txt is a gzip tarball: ADD unpacks it
ADD notes.txt /opt/
# plain (uncompressed) tar under another name
ADD bundle.bin /opt/
