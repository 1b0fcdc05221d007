from dockeropt.command import main

main()
