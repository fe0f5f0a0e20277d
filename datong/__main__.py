from datong.cli import main

main()
