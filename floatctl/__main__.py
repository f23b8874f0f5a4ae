from floatctl.cli import main

main()
