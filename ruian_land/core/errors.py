"""Exception and warning classes (DESIGN §5).

``InputError`` is a user mistake in an input: its message names the file, the
column or row, and the fix. The CLI turns it into exit status 2 with a one-paragraph
message, never a traceback. ``InputWarning`` is a guess the toolkit made about an
input (an encoding, a CRS, a repair), saying what and why.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["InputError", "InputWarning", "RulesError", "StageInputError", "input_error"]


class InputError(ValueError):
    """A user mistake in an input file, config or rules file.

    Parameters
    ----------
    message : str
        What is wrong.
    path : str or Path, optional
        The file concerned.
    column : str, optional
        The column concerned.
    row : int or str, optional
        The row (1-based data row) or feature id concerned.
    fix : str, optional
        How the user can fix it.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        column: str | None = None,
        row: int | str | None = None,
        fix: str | None = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.column = column
        self.row = row
        self.fix = fix
        self.detail = message
        parts = []
        if self.path is not None:
            parts.append(f"In {self.path}")
        if column is not None:
            parts.append(f"column '{column}'")
        if row is not None:
            parts.append(f"row {row}")
        where = ", ".join(parts)
        text = f"{where}: {message}" if where else message
        if fix:
            text = f"{text.rstrip('.')}. Fix: {fix}"
        super().__init__(text)


class RulesError(InputError):
    """A rules preset or override is malformed (bad key, value out of range)."""


class StageInputError(InputError):
    """A stage was given the wrong input: a frame without the columns it needs, or the result of
    another stage than the one it follows. The message names what is missing and which stage
    makes it (e.g. "run the evaluate stage first")."""


class InputWarning(UserWarning):
    """A guess the toolkit made about an input (encoding, CRS, repair)."""


def input_error(message: str, **kwargs: object) -> InputError:
    """Build an :class:`InputError` (helper for one-line raises)."""
    return InputError(message, **kwargs)  # type: ignore[arg-type]
