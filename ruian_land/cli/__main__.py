"""``python -m ruian_land.cli``."""

from ruian_land.cli import main

__all__: list[str] = []

main()
