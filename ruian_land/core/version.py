"""The toolkit's version, at the bottom so every layer can name it (run folders record it)."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
