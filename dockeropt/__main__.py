from dockeropt.command import entry

entry()
