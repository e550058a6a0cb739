"""ruian-land: industrial-land toolkit for Ruian (瑞安市) planners.

The flow (see ``docs/CONTRACTS.md``)::

    io -> validate -> link -> indicators -> evaluation -> screening
       -> scenario -> parks -> maps / export

Each stage is a plain function of frames in, frames out; :mod:`ruian_land.pipeline`
wires them together for ``ruian-land run`` and the notebooks.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
