from dockeropt.cli import main

main()
