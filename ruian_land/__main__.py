"""``python -m ruian_land`` = the ``ruian-land`` command."""

from ruian_land.cli import main

main()
