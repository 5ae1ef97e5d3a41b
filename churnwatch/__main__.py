"""`python -m churnwatch` is the same as the `churnwatch` console script."""

from churnwatch.cli import main

main()
