"""``ruian-land`` command line: thin typer commands over the pipeline functions.

``app`` is the typer application; importing this package registers every command on it. A user
mistake in an input exits with status 2 and a message naming the file, the column or row, and the fix.
"""

from ruian_land.cli import monitor_command, project_commands, stage_commands, tools
from ruian_land.cli.app import app, main

__all__ = ["app", "main", "monitor_command", "project_commands", "stage_commands", "tools"]
