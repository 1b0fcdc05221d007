FROM busybox
CMD echo $HOME
CMD prog > /tmp/log
CMD a && b
CMD a | b
CMD ls *.txt
CMD ls ~
CMD A=1 prog
CMD prog; other
CMD (prog)
CMD prog &
CMD echo `date`
CMD echo a\ b
CMD prog # comment
