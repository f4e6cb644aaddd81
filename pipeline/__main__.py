"""`python -m pipeline` is the `hubwatch` command."""

from pipeline.cli import main

main()
