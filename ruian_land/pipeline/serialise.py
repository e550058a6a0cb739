"""Stage results to files and back: frames as (Geo)Parquet, everything else as tagged JSON.

:func:`dump` walks a value — a stage result dataclass and whatever it holds — and returns a
JSON-able *spec*: plain numbers, strings, booleans and ``None`` as they are; every other value as a
one-key object naming its kind::

    {"$frame": {"file": "clean.parcels.parquet", "geo": true, "attrs": …, "json_columns": […]}}
    {"$dataclass": "Clean", "fields": {…}}      {"$dict": [[key, value], …]}   {"$list": […]}
    {"$ledger": …}  {"$timestamp": "2021-12-31T00:00:00"}  {"$date": …}  {"$path": …}
    {"$rules": null}  {"$config": null}  {"$float": "nan"}

Every pandas ``DataFrame`` / geopandas ``GeoDataFrame`` is written with ``to_parquet`` (pyarrow);
object columns that Parquet cannot hold as they are (lists, dicts, mixed types, timestamps mixed
with text …) are stored cell by cell as the tagged JSON text and restored on read (their names
listed under ``json_columns``); text columns whose gaps were ``NaN`` get ``NaN`` back (Parquet
reads them as ``None``); ``.attrs`` are kept in the spec. The same frame object met twice is
written once and comes back as one object. The ``RuleSet`` and ``ProjectConfig`` are not stored:
:func:`load` puts in the ones it is given (rebuilt from the project config). Anything else raises
``TypeError`` naming its type.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ruian_land.config import ProjectConfig
from ruian_land.control_lines import BalanceLedger
from ruian_land.core import Ledger
from ruian_land.evaluation import Evaluation
from ruian_land.io import Inputs
from ruian_land.link import Occupancy
from ruian_land.pipeline.stage_results import (
    EvaluateResult,
    IngestResult,
    MapResult,
    ParksResult,
    ScreenResult,
    SimulateResult,
    TrajectoryResult,
)
from ruian_land.rules import RuleSet
from ruian_land.scenario import ScenarioResult
from ruian_land.screening import Screening
from ruian_land.trajectory import Trajectory
from ruian_land.validate import Clean

__all__ = ["DATACLASSES", "dump", "load", "read_frame", "write_frame"]

#: The dataclasses a stage result may hold, by name (the only ones :func:`load` rebuilds).
DATACLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        IngestResult,
        EvaluateResult,
        ScreenResult,
        SimulateResult,
        TrajectoryResult,
        Trajectory,
        ParksResult,
        MapResult,
        Inputs,
        Clean,
        Occupancy,
        Evaluation,
        Screening,
        ScenarioResult,
        BalanceLedger,
    )
}
_FILE_SAFE = re.compile(r"[^\w.-]+")


def _cell(value: Any) -> str | None:
    """One object-column cell as tagged JSON text (None stays None)."""
    if value is None:
        return None
    return json.dumps(_plain(value), ensure_ascii=False)


def _plain(value: Any) -> Any:
    """A value holding no frames as its JSON-able spec (used for cells and ``.attrs``)."""
    return _Dumper(None).spec(value, "")


def _unplain(spec: Any) -> Any:
    return _Loader(None, None, None).value(spec)


def _needs_json(col: pd.Series) -> tuple[bool, bool]:
    """(store the object column cell by cell as JSON, its gaps are NaN rather than None)."""
    present = col[col.notna()]
    gaps = col[col.isna()]
    nan_gaps = len(gaps) > 0 and all(isinstance(v, float) for v in gaps)
    if len(gaps) and not nan_gaps and not all(v is None for v in gaps):
        return True, False  # mixed missing markers (None, NaN, NaT …): keep each as it was
    kinds = {type(v) for v in present}
    if kinds <= {str} or kinds <= {bytes}:
        return False, nan_gaps
    return True, False


def write_frame(frame: pd.DataFrame, path: Path) -> dict[str, Any]:
    """Write a DataFrame or GeoDataFrame as (Geo)Parquet; returns what :func:`read_frame` needs.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
    path : Path
        The ``.parquet`` file.

    Returns
    -------
    dict
        ``file`` (name), ``geo``, ``attrs`` (tagged JSON), ``json_columns``, ``nan_columns`` and
        ``object_columns`` (text columns with NaN / None gaps), ``columns`` (the original labels, when they are not all strings).
    """
    out = frame.copy(deep=False)
    out.attrs = {}
    info: dict[str, Any] = {"file": path.name, "geo": isinstance(frame, gpd.GeoDataFrame)}
    info["attrs"] = _plain(dict(frame.attrs)) if frame.attrs else None
    if not all(isinstance(c, str) for c in out.columns) or out.columns.has_duplicates:
        info["columns"] = _plain(list(frame.columns))
        geometry = frame.geometry.name if info["geo"] and frame._geometry_column_name else None
        labels = [f"__col{i}" for i in range(out.shape[1])]
        out.columns = pd.Index(labels)
        if geometry is not None:
            out = out.set_geometry(labels[list(frame.columns).index(geometry)])
    json_cols: list[Any] = []
    nan_cols: list[Any] = []
    object_cols: list[Any] = []
    for i, name in enumerate(out.columns):
        col = out.iloc[:, i]
        if col.dtype != object:
            continue
        as_json, nan_gaps = _needs_json(col)
        if as_json:
            out[name] = col.map(_cell, na_action=None).astype(object)
            json_cols.append(name)
        else:
            (nan_cols if nan_gaps else object_cols).append(name)
    info["json_columns"], info["nan_columns"], info["object_columns"] = json_cols, nan_cols, object_cols
    # Parquet has no second resolution: datetime64[s] comes back as [ms] unless cast back
    info["time_dtypes"] = {
        str(n): str(t) for n, t in out.dtypes.items() if str(t).startswith(("datetime64", "timedelta64"))
    }
    out.to_parquet(path, index=True)
    return info


def read_frame(folder: Path, info: Mapping[str, Any]) -> pd.DataFrame:
    """Read a frame written by :func:`write_frame` (dtypes, gaps, attrs and labels restored).

    Parameters
    ----------
    folder : Path
        The folder holding ``info["file"]``.
    info : dict
        What :func:`write_frame` returned.
    """
    path = folder / info["file"]
    geo = b"geo" in (pq.read_schema(path).metadata or {})
    frame = gpd.read_parquet(path) if geo else pd.read_parquet(path)
    if info.get("geo") and not geo:
        frame = gpd.GeoDataFrame(frame)
    for name in info.get("json_columns", []):
        # a None cell may come back as NaN (string dtype): it was None
        frame[name] = (
            frame[name].map(lambda v: _unplain(json.loads(v)) if isinstance(v, str) else None).astype(object)
        )
    # text read back as the string dtype: object again, gaps as they were (NaN or None)
    for gap, names in ((np.nan, info.get("nan_columns", [])), (None, info.get("object_columns", []))):
        for name in names:
            col = frame[name].astype(object)
            frame[name] = col.where(col.notna(), gap).astype(object)
    for name, dtype in info.get("time_dtypes", {}).items():
        if str(frame[name].dtype) != dtype:
            frame[name] = frame[name].astype(dtype)
    if "columns" in info:
        frame.columns = pd.Index(_unplain(info["columns"]), tupleize_cols=False)
    frame.attrs = _unplain(info["attrs"]) if info.get("attrs") else {}
    return frame


class _Dumper:
    """Walks a value, writing frames under ``folder`` (None: frames are refused)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.seen: dict[int, Any] = {}  # id(frame or ledger) → its spec (written once)
        self.keep: list[Any] = []  # the objects of ``seen``, alive so their ids stay unique
        self.names: set[str] = set()

    def _file(self, where: str) -> Path:
        assert self.folder is not None
        base = _FILE_SAFE.sub("_", where).strip("._") or "frame"
        name, n = base, 1
        while name in self.names:
            n += 1
            name = f"{base}_{n}"
        self.names.add(name)
        return self.folder / f"{name}.parquet"

    def spec(self, value: Any, where: str) -> Any:
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, int | np.integer) and not isinstance(value, np.bool_):
            return int(value)
        if isinstance(value, float | np.floating):
            f = float(value)
            return f if math.isfinite(f) else {"$float": repr(f)}
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, pd.DataFrame | pd.Series | Ledger) and id(value) in self.seen:
            return self.seen[id(value)]
        if isinstance(value, pd.DataFrame | pd.Series):
            if self.folder is None:
                raise TypeError(f"a {type(value).__name__} inside a frame cell or attrs at {where!r}")
            series = isinstance(value, pd.Series)
            frame: pd.DataFrame = (
                value.to_frame(name="__series__" if value.name is None else value.name)
                if isinstance(value, pd.Series)
                else value
            )
            info = write_frame(frame, self._file(where))
            out = {"$series" if series else "$frame": info}
            self.seen[id(value)] = out
            self.keep.append(value)
            return out
        if isinstance(value, Ledger):
            ref = f"ledger{len(self.keep)}"
            self.seen[id(value)] = {"$ledger": None, "ref": ref}  # the next time: a reference
            self.keep.append(value)
            return {"$ledger": value.to_dict(), "ref": ref}
        if isinstance(value, RuleSet):
            return {"$rules": None}
        if isinstance(value, ProjectConfig):
            return {"$config": None}
        if isinstance(value, pd.Timestamp):
            return {"$timestamp": value.isoformat(), "unit": value.unit}
        if value is pd.NaT:
            return {"$nat": None}
        if isinstance(value, pd.Timedelta):
            return {"$timedelta": value.value}
        if isinstance(value, dt.datetime):
            return {"$datetime": value.isoformat()}
        if isinstance(value, dt.date):
            return {"$date": value.isoformat()}
        if isinstance(value, Path):
            return {"$path": str(value)}
        if isinstance(value, np.ndarray):
            return {"$array": [self.spec(v, where) for v in value.tolist()], "dtype": str(value.dtype)}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            name = type(value).__name__
            if DATACLASSES.get(name) is not type(value):
                raise TypeError(f"cannot store a {name} at {where!r}: add it to serialise.DATACLASSES")
            fields = {
                f.name: self.spec(getattr(value, f.name), f"{where}.{f.name}".lstrip("."))
                for f in dataclasses.fields(value)
            }
            return {"$dataclass": name, "fields": fields}
        if isinstance(value, Mapping):
            return {"$dict": [[self.spec(k, where), self.spec(v, f"{where}.{k}")] for k, v in value.items()]}
        if isinstance(value, list | tuple | set | frozenset):
            kind = {list: "$list", tuple: "$tuple"}.get(type(value), "$set")
            items = sorted(value, key=repr) if kind == "$set" else value
            return {kind: [self.spec(v, f"{where}.{i}") for i, v in enumerate(items)]}
        raise TypeError(f"cannot store a {type(value).__name__} at {where!r} in a run folder")


class _Loader:
    """Rebuilds values from specs, reading frames from ``folder``."""

    def __init__(self, folder: Path | None, config: ProjectConfig | None, rules: RuleSet | None) -> None:
        self.folder, self.config, self.rules = folder, config, rules
        self.frames: dict[str, Any] = {}

    def value(self, spec: Any) -> Any:
        if not isinstance(spec, dict):
            return spec
        tag = next(k for k in spec if k.startswith("$"))
        body = spec[tag]
        if tag in ("$frame", "$series"):
            if body["file"] not in self.frames:
                assert self.folder is not None
                frame = read_frame(self.folder, body)
                name = frame.columns[0] if len(frame.columns) else None
                self.frames[body["file"]] = (
                    frame.iloc[:, 0].rename(None if name == "__series__" else name)
                    if tag == "$series"
                    else frame
                )
            return self.frames[body["file"]]
        if tag == "$ledger":
            key = f"$ledger:{spec['ref']}"
            if body is not None:
                self.frames[key] = Ledger.from_dict(body)
            return self.frames[key]
        simple: dict[str, Any] = {
            "$rules": lambda _: self.rules,
            "$config": lambda _: self.config,
            "$float": float,
            "$nat": lambda _: pd.NaT,
            "$timedelta": pd.Timedelta,
            "$datetime": dt.datetime.fromisoformat,
            "$date": dt.date.fromisoformat,
            "$path": Path,
        }
        if tag in simple:
            return simple[tag](body)
        if tag == "$timestamp":  # with its resolution: it decides the datetime64 unit of columns made from it
            return pd.Timestamp(body).as_unit(spec.get("unit", "ns"))
        if tag == "$array":
            return np.array([self.value(v) for v in body], dtype=spec["dtype"])
        if tag == "$dataclass":
            return DATACLASSES[body](**{k: self.value(v) for k, v in spec["fields"].items()})
        if tag == "$dict":
            return {self.value(k): self.value(v) for k, v in body}
        if tag == "$list":
            return [self.value(v) for v in body]
        if tag == "$tuple":
            return tuple(self.value(v) for v in body)
        if tag == "$set":
            return {self.value(v) for v in body}
        raise ValueError(f"unknown tag {tag!r} in a run folder's stage file")


def dump(value: Any, folder: Path) -> Any:
    """Write the frames of ``value`` under ``folder`` and return its JSON-able spec.

    Parameters
    ----------
    value : Any
        A stage result (or anything made of frames, dataclasses of :data:`DATACLASSES`,
        mappings, sequences, numbers, text, dates, paths, a Ledger, the RuleSet, the config).
    folder : Path
        Existing folder for the ``.parquet`` files.

    Returns
    -------
    Any
        The spec (``json.dumps`` it); :func:`load` reads it back.

    Raises
    ------
    TypeError
        A value of a type a run folder cannot hold.
    """
    return _Dumper(folder).spec(value, "")


def load(spec: Any, folder: Path, *, config: ProjectConfig, rules: RuleSet) -> Any:
    """The value :func:`dump` wrote, with ``config`` and ``rules`` put where they were.

    Parameters
    ----------
    spec : Any
        What :func:`dump` returned (after a JSON round trip).
    folder : Path
        The folder :func:`dump` wrote the frames to.
    config, rules : ProjectConfig, RuleSet
        Rebuilt from the project config by the caller.
    """
    return _Loader(folder, config, rules).value(spec)
