"""`python -m learning` runs the `wm2u` command."""

from .cli import main

main()
