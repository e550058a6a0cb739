"""Compact map payloads: zoom-tied simplification, quantised polylines, columnar properties.

The overview map carries its data as one ``RUIAN.load(key, payload)`` call per layer (see
:mod:`ruian_land.maps.page` for the JavaScript decoder). A payload is::

    {"n": rows, "s": scale, "g": [geometry, ...], "c": {column: spec, ...}}   # own geometries
    {"n": rows, "ref": "parcels", "i": indices, "c": {...}}                   # shared geometries

*Geometries* are simplified in EPSG:4549 with a tolerance tied to the map's deepest zoom
(:func:`zoom_tolerance_m`), keeping shared edges shared (:func:`simplify_coverage`), then
converted to EPSG:4326 and quantised to ``1 / scale`` degree (:func:`coordinate_scale`). A
polygon is a list of rings, a multipolygon a list of polygons, each ring an encoded polyline
(Google's algorithm: latitude then longitude, zig-zag deltas in 5-bit chunks offset by 63,
with ``\\`` written ``!`` and ``{`` written ``$``; the closing vertex is implied) whose deltas run on across all rings of the layer. Other
geometry types stay GeoJSON objects.

*Properties* are columns of HTML-safe strings (``""`` = missing), each stored in the
smallest of: a plain list; ``{"p": prefix, "v": column}`` (common prefix); ``{"d": values,
"i": indices}`` (dictionary; indices as a :func:`encode_indices` string); ``{"t": skeletons, "j": joiner, "v": column}`` (texts cut at
``joiner`` into segments whose variable numbers are kept per row as ``"id n1 n2|id …"`` and
the rest stored once, with a number that never changes inlined into its skeleton). Columns
named ``"a|b"`` share one index: ``{"g": [column spec of the distinct a, … of b], "i": [indices]}``
(e.g. a firm's name, code and class stored once per firm).

:func:`decode_payload` is the Python reference of the page's decoder (used by the tests and
by :func:`read_map_data` to inspect a saved map).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from ruian_land.core import WORKING_CRS, to_map_crs

__all__ = [
    "DIGITS",
    "SLOT",
    "centre_latitude",
    "coordinate_scale",
    "decode_column",
    "decode_geometry",
    "decode_indices",
    "decode_payload",
    "encode_column",
    "encode_columns",
    "encode_geometries",
    "encode_indices",
    "metres_per_pixel",
    "read_map_data",
    "simplify_coverage",
    "zoom_tolerance_m",
]

#: Placeholder of a variable number in a text skeleton (a control character never found in
#: HTML-escaped text; a column holding it is never template-encoded).
SLOT = "\x01"
_EARTH_CIRCUMFERENCE_M = 2 * math.pi * 6_378_137.0  # Web Mercator sphere (EPSG:3857)
_TILE_PX = 256
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
_POLYGONAL = (3, 6)  # shapely type ids of Polygon, MultiPolygon
#: Polyline characters replaced in the page: ``\\`` (JSON would double it) by ``!`` and ``{``
#: (``{{`` would open a Jinja expression when folium renders the script) by ``$``.
_SUBSTITUTES = {ord("\\"): ord("!"), ord("{"): ord("$")}
_RESTORE = {chr(alt): chr(std) for std, alt in _SUBSTITUTES.items()}
#: Digits of index strings (base 87): printable ASCII from ``#`` to ``~`` without ``&``, ``<``,
#: ``>`` (escaped in inline scripts), ``\\`` (escaped in JSON) and ``{`` (Jinja).
DIGITS = "".join(chr(c) for c in range(35, 127) if chr(c) not in "&<>\\{")
_DIGIT_VALUE = {c: i for i, c in enumerate(DIGITS)}


def metres_per_pixel(zoom: float, lat_deg: float) -> float:
    """Ground size of one Web Mercator pixel (256-pixel tiles) at ``zoom`` and latitude, metres.

    ``2π·6378137·cos(lat) / (256·2^zoom)``: 0.528 m at zoom 18 and 27.8°N (Ruian).
    """
    return _EARTH_CIRCUMFERENCE_M * math.cos(math.radians(lat_deg)) / (_TILE_PX * 2.0**zoom)


def zoom_tolerance_m(max_zoom: float, lat_deg: float, pixels: float) -> float:
    """Simplification tolerance in metres: ``pixels`` screen pixels at the deepest zoom.

    Parameters
    ----------
    max_zoom : float
        The map's maximum zoom (rule ``maps.max_zoom``).
    lat_deg : float
        Latitude of the data (degrees).
    pixels : float
        Tolerance in pixels at ``max_zoom`` (rule ``maps.simplify_px``).

    Returns
    -------
    float
        Metres (EPSG:4549 units): a detail smaller than this never shows as a pixel.
    """
    return float(pixels) * metres_per_pixel(max_zoom, lat_deg)


def coordinate_scale(max_zoom: float, lat_deg: float, pixels: float) -> int:
    """Integer steps per degree so that one step is at most ``pixels`` pixels at ``max_zoom``.

    The step is 1, 2 or 5 × 10^-k degree (the coarsest such step not larger than the pixel
    fraction, measured in degrees of latitude, which are the shorter on screen). At zoom 18,
    27.8°N and 0.5 pixel: one pixel is 4.75e-6° of latitude, half is 2.37e-6°, so the step is
    2e-6° (0.22 m) and the scale 500 000.

    Returns
    -------
    int
        Steps per degree (coordinates are stored as ``round(deg × scale)``).
    """
    deg_px = 360.0 / (_TILE_PX * 2.0**max_zoom) * math.cos(math.radians(lat_deg))
    limit = float(pixels) * deg_px
    exp = math.floor(math.log10(limit))
    step = max(m * 10.0**exp for m in (1, 2, 5) if m * 10.0**exp <= limit * (1 + 1e-12))
    return round(1.0 / step)


def simplify_coverage(geoms: np.ndarray, tolerance_m: float) -> tuple[np.ndarray, int]:
    """Simplify polygons without opening gaps or overlaps between neighbours.

    The polygons that form a valid coverage (no overlap, vertices of shared edges identical)
    are simplified together with :func:`shapely.coverage_simplify` (Visvalingam-Whyatt; a
    triangle is removed when its area is below ``tolerance_m²``; each shared edge is
    simplified once, so neighbours keep sharing it). Polygons with an invalid coverage edge,
    and non-polygonal geometries, are simplified one by one (Douglas-Peucker,
    ``preserve_topology=True``). Missing / empty geometries are passed through.

    Parameters
    ----------
    geoms : ndarray of shapely geometries
        Projected coordinates in metres (EPSG:4549), n rows.
    tolerance_m : float
        Tolerance in metres; ``0`` returns a copy.

    Returns
    -------
    (ndarray, int)
        Simplified geometries (same order, n rows) and the number of polygons simplified one
        by one because their edges did not match their neighbours'.
    """
    out = np.array(geoms, dtype=object, copy=True)
    if tolerance_m <= 0 or len(out) == 0:
        return out, 0
    present = ~shapely.is_missing(out)
    present[present] = ~shapely.is_empty(out[present])
    poly = present.copy()
    poly[present] = np.isin(shapely.get_type_id(out[present]), _POLYGONAL)
    alone = present & ~poly
    idx = np.flatnonzero(poly)
    if len(idx):
        bad = ~shapely.is_empty(shapely.coverage_invalid_edges(out[idx]))
        bad |= ~shapely.is_valid(out[idx])
        good = idx[~bad]
        if len(good):
            out[good] = shapely.coverage_simplify(out[good], tolerance_m)
        alone[idx[bad]] = True
        n_alone_poly = int(bad.sum())
    else:
        n_alone_poly = 0
    if alone.any():
        out[alone] = shapely.simplify(out[alone], tolerance_m, preserve_topology=True)
    return out, n_alone_poly


def _polyline_chars(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Encode signed integers (Google polyline chunks). Returns the bytes and each value's
    character count."""
    v = values.astype(np.int64)
    z = np.where(v < 0, ~(v << 1), v << 1).astype(np.uint64)
    nchunks = np.ones(len(z), dtype=np.int64)
    for shift in range(5, 65, 5):
        nchunks += (z >> np.uint64(shift)) > 0
    width = int(nchunks.max()) if len(nchunks) else 1
    pos = np.arange(width, dtype=np.uint64)
    chunk = (z[:, None] >> (np.uint64(5) * pos[None, :])) & np.uint64(31)
    cont = (np.arange(width)[None, :] + 1) < nchunks[:, None]
    chars = (chunk.astype(np.int64) | np.where(cont, 32, 0)) + 63
    mask = np.arange(width)[None, :] < nchunks[:, None]
    out = chars[mask].astype(np.uint8)
    for std, alt in _SUBSTITUTES.items():
        out[out == std] = alt
    return out, nchunks


def encode_geometries(geoms: np.ndarray, crs: Any, *, scale: int) -> list[Any]:
    """Encode geometries for a payload's ``"g"`` list (see the module docstring).

    Parameters
    ----------
    geoms : ndarray of shapely geometries
        n non-missing, non-empty geometries in ``crs``.
    crs : CRS-like
        Their CRS (converted to EPSG:4326 on a copy).
    scale : int
        Integer steps per degree (:func:`coordinate_scale`).

    Returns
    -------
    list
        n items: a list of ring strings (Polygon), a list of such lists (MultiPolygon) or a
        GeoJSON dict with coordinates rounded to ``1/scale`` (other types).
    """
    g = np.asarray(geoms, dtype=object)
    if len(g) == 0:
        return []
    ll = to_map_crs(gpd.GeoDataFrame(geometry=gpd.GeoSeries(g, crs=crs), crs=crs))
    g = np.asarray(ll.geometry.values, dtype=object)
    types = shapely.get_type_id(g)
    is_poly = np.isin(types, _POLYGONAL)
    out: list[Any] = [None] * len(g)
    pidx = np.flatnonzero(is_poly)
    if len(pidx):
        parts, part_of = shapely.get_parts(g[pidx], return_index=True)
        rings, ring_of = shapely.get_rings(parts, return_index=True)
        coords, coord_of = shapely.get_coordinates(rings, return_index=True)
        counts = np.bincount(coord_of, minlength=len(rings))
        last = np.cumsum(counts) - 1
        keep = np.ones(len(coords), dtype=bool)
        keep[last[counts > 0]] = False  # the closing vertex is implied
        q = np.round(coords[keep] * scale).astype(np.int64)
        ring_idx = coord_of[keep]
        deltas = np.diff(q[:, ::-1], axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).reshape(-1)
        chars, nchunks = _polyline_chars(deltas)
        per_point = nchunks.reshape(-1, 2).sum(axis=1)
        ring_len = np.bincount(ring_idx, weights=per_point, minlength=len(rings)).astype(np.int64)
        text = chars.tobytes().decode("ascii")
        ends = np.cumsum(ring_len)
        starts = ends - ring_len
        ring_text = [text[s:e] for s, e in zip(starts, ends, strict=True)]
        per_part: list[list[str]] = [[] for _ in range(len(parts))]
        for r, p in enumerate(ring_of):
            per_part[p].append(ring_text[r])
        per_feature: list[list[list[str]]] = [[] for _ in range(len(pidx))]
        for p, f in enumerate(part_of):
            per_feature[f].append(per_part[p])
        for j, f in enumerate(pidx):
            polys = per_feature[j]
            out[f] = polys[0] if types[f] == 3 else polys
    for f in np.flatnonzero(~is_poly):
        rounded = shapely.transform(g[f], lambda c: np.round(c * scale) / scale)
        out[f] = json.loads(shapely.to_geojson(rounded))
    return out


def _decode_rings(rings: Sequence[str], state: list[int], scale: int) -> list[list[list[float]]]:
    out = []
    for s in rings:
        vals: list[int] = []
        i = 0
        while i < len(s):
            result, shift = 0, 0
            while True:
                b = ord(_RESTORE.get(s[i], s[i])) - 63
                i += 1
                result += (b & 31) << shift
                shift += 5
                if b < 32:
                    break
            vals.append(~(result >> 1) if result & 1 else result >> 1)
        pts = []
        for k in range(0, len(vals), 2):
            state[0] += vals[k]
            state[1] += vals[k + 1]
            pts.append([state[1] / scale, state[0] / scale])
        out.append([*pts, pts[0]])
    return out


def decode_geometry(items: Sequence[Any], scale: int) -> list[dict[str, Any]]:
    """Python reference of the page's geometry decoder: GeoJSON geometries (lon, lat)."""
    state = [0, 0]
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, dict):
            out.append(item)
        elif item and isinstance(item[0], str):
            out.append({"type": "Polygon", "coordinates": _decode_rings(item, state, scale)})
        else:
            polys = [_decode_rings(p, state, scale) for p in item]
            out.append({"type": "MultiPolygon", "coordinates": polys})
    return out


def encode_indices(values: Sequence[int]) -> str:
    """Non-negative integers as one string: the digit count ``w`` (``"1"``–``"9"``), then each
    value in ``w`` base-87 :data:`DIGITS` (most significant first). ``[0, 1, 90]`` →
    ``"2##" "#$" "$&"``-style: width 2 because 90 ≥ 87."""
    v = np.asarray(values, dtype=np.int64)
    if len(v) and v.min() < 0:
        raise ValueError("indices must be non-negative")
    top = int(v.max()) if len(v) else 0
    width = 1
    while top >= len(DIGITS) ** width:
        width += 1
    base = len(DIGITS)
    table = np.frombuffer(DIGITS.encode("ascii"), dtype=np.uint8)
    places = base ** np.arange(width - 1, -1, -1, dtype=np.int64)
    chars = table[(v[:, None] // places[None, :]) % base]
    return str(width) + chars.tobytes().decode("ascii")


def decode_indices(text: str | Sequence[int]) -> list[int]:
    """Inverse of :func:`encode_indices` (a list of ints is returned as is)."""
    if not isinstance(text, str):
        return list(text)
    width, body = int(text[0]), text[1:]
    out = []
    for k in range(0, len(body), width):
        v = 0
        for c in body[k : k + width]:
            v = v * len(DIGITS) + _DIGIT_VALUE[c]
        out.append(v)
    return out


def _size(spec: Any) -> int:
    return len(json.dumps(spec, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _dictionary(values: Sequence[Any]) -> dict[str, Any]:
    index: dict[Any, int] = {}
    codes = [index.setdefault(v, len(index)) for v in values]
    keys = list(index)
    return {"d": [list(k) if isinstance(k, tuple) else k for k in keys], "i": encode_indices(codes)}


def _prefix(values: Sequence[str]) -> str:
    present = [v for v in values if v]
    if len(present) < 2:
        return ""
    lo, hi = min(present), max(present)
    limit = min(len(v) for v in present) - 1  # every value keeps a character ("" = missing)
    n = 0
    while n < limit and lo[n] == hi[n]:
        n += 1
    return lo[:n]


def _template(values: Sequence[str], joiner: str) -> dict[str, Any] | None:
    distinct = list(dict.fromkeys(values))
    if any(SLOT in v for v in distinct):
        return None
    parsed: dict[str, list[tuple[str, list[str]]]] = {}
    slots: dict[str, list[set[str]]] = {}
    for v in distinct:
        row = []
        for seg in v.split(joiner) if v else []:
            nums = _NUMBER_RE.findall(seg)
            skel = _NUMBER_RE.sub(SLOT, seg)
            seen = slots.setdefault(skel, [set() for _ in nums])
            for s, x in zip(seen, nums, strict=True):
                s.add(x)
            row.append((skel, nums))
        parsed[v] = row
    ids: dict[str, int] = {}
    skeletons: list[str] = []
    fixed: dict[str, list[bool]] = {}
    for skel, seen in slots.items():
        const = [len(s) == 1 for s in seen]
        pieces = skel.split(SLOT)
        text = pieces[0]
        for s, c, piece in zip(seen, const, pieces[1:], strict=True):
            text += (next(iter(s)) if c else SLOT) + piece
        ids[skel] = len(skeletons)
        skeletons.append(text)
        fixed[skel] = const
    coded = {}
    for v, row in parsed.items():
        parts = []
        for skel, nums in row:
            var = [x for x, c in zip(nums, fixed[skel], strict=True) if not c]
            parts.append(" ".join([str(ids[skel]), *var]))
        coded[v] = "|".join(parts)
    return {"t": skeletons, "j": joiner, "v": [coded[v] for v in values]}


def encode_column(values: Sequence[str], *, joiner: str | None = None) -> Any:
    """The smallest encoding of one column of HTML-safe strings (``""`` = missing).

    Parameters
    ----------
    values : sequence of str
        n values (already formatted and escaped).
    joiner : str, optional
        Segment separator of long texts (``"；"`` for reason lists): enables the skeleton
        encoding.

    Returns
    -------
    list or dict
        A plain list or one of the dict specs of the module docstring; ``decode_column``
        gives ``values`` back exactly.
    """
    vals = list(values)
    best: Any = vals
    size = _size(vals)
    candidates: list[Any] = []
    pre = _prefix(vals)
    if len(pre) >= 2:
        candidates.append({"p": pre, "v": [v[len(pre) :] if v else "" for v in vals]})
    if len(set(vals)) * 2 <= len(vals):
        candidates.append(_dictionary(vals))
    if joiner is not None:
        tpl = _template(vals, joiner)
        if tpl is not None:
            inner = tpl["v"]
            if len(set(inner)) * 2 <= len(inner):
                tpl = {**tpl, "v": _dictionary(inner)}
            candidates.append(tpl)
    for c in candidates:
        s = _size(c)
        if s < size:
            best, size = c, s
    return best


def decode_column(spec: Any) -> list[str]:
    """Python reference of the page's column decoder (inverse of :func:`encode_column`)."""
    if isinstance(spec, list):
        return list(spec)
    if "p" in spec:
        return [spec["p"] + v if v else "" for v in decode_column(spec["v"])]
    if "t" in spec:
        out = []
        for row in decode_column(spec["v"]):
            segs = []
            for seg in row.split("|") if row else []:
                head, *nums = seg.split(" ")
                text = spec["t"][int(head)]
                for x in nums:
                    text = text.replace(SLOT, x, 1)
                segs.append(text)
            out.append(spec["j"].join(segs))
        return out
    return [spec["d"][i] for i in decode_indices(spec["i"])]


def encode_columns(
    columns: Mapping[str, Sequence[str]],
    *,
    groups: Sequence[Sequence[str]] = (),
    texts: Sequence[str] = (),
    joiner: str = "；",
) -> dict[str, Any]:
    """Encode the property columns of a layer; each group of keys becomes one ``"a|b"`` entry
    (distinct tuples, each position encoded as a column, plus one index per row) when that is
    smaller than encoding the keys separately. Only the ``texts`` keys (long texts cut at
    ``joiner``) try the skeleton encoding."""
    out: dict[str, Any] = {}
    grouped: set[str] = set()
    for group in groups:
        keys = [k for k in group if k in columns]
        if len(keys) < 2:
            continue
        tuples = list(zip(*(columns[k] for k in keys), strict=True))
        index: dict[tuple[str, ...], int] = {}
        codes = [index.setdefault(t, len(index)) for t in tuples]
        distinct: list[Sequence[str]] = list(zip(*index, strict=True)) if index else [[] for _ in keys]
        joint = {
            "g": [
                encode_column(list(v), joiner=joiner if k in texts else None)
                for k, v in zip(keys, distinct, strict=True)
            ],
            "i": encode_indices(codes),
        }
        apart = {k: encode_column(columns[k], joiner=joiner if k in texts else None) for k in keys}
        if _size(joint) < sum(_size(v) for v in apart.values()):
            out["|".join(keys)] = joint
            grouped.update(keys)
    for k, vals in columns.items():
        if k not in grouped:
            out[k] = encode_column(vals, joiner=joiner if k in texts else None)
    return out


def decode_payload(
    payload: Mapping[str, Any], stores: Mapping[str, list[Any]] | None = None
) -> list[dict[str, Any]]:
    """Python reference of ``RUIAN.load``: GeoJSON-like features of one layer payload.

    Parameters
    ----------
    payload : mapping
        As written in the page.
    stores : mapping, optional
        Decoded geometries of the layers a ``"ref"`` payload points to.

    Returns
    -------
    list of dict
        ``{"properties": {...}, "geometry": {...}}`` per row; missing values (``""``) left out.
    """
    n = int(payload["n"])
    cols: dict[str, list[str]] = {}
    for key, spec in payload.get("c", {}).items():
        if "|" in key:
            for k, sub in zip(key.split("|"), spec["g"], strict=True):
                distinct = decode_column(sub)
                cols[k] = [distinct[i] for i in decode_indices(spec["i"])]
        else:
            cols[key] = decode_column(spec)
    if "ref" in payload:
        base = (stores or {})[payload["ref"]]
        geoms = [base[i] for i in decode_indices(payload["i"])]
    else:
        geoms = decode_geometry(payload["g"], int(payload["s"]))
    feats = []
    for r in range(n):
        props = {k: v[r] for k, v in cols.items() if v[r] != ""}
        feats.append({"properties": props, "geometry": geoms[r]})
    return feats


_BLOCK_RE = re.compile(
    r'<script type="application/json" data-ruian="(?P<key>[^"]+)">(?P<data>.*?)</script>', re.S
)


def read_map_data(html: str) -> dict[str, list[dict[str, Any]]]:
    """Decode every layer payload of a saved overview map (for checks and scripting).

    Returns
    -------
    dict
        Layer data key (``parcels``, ``sites``, ``y2021`` …) → features (see
        :func:`decode_payload`), in the order the page loads them.
    """
    stores: dict[str, list[Any]] = {}
    out: dict[str, list[dict[str, Any]]] = {}
    for m in _BLOCK_RE.finditer(html):
        feats = decode_payload(json.loads(m.group("data")), stores)
        stores[m.group("key")] = [f["geometry"] for f in feats]
        out[m.group("key")] = feats
    return out


def centre_latitude(geoms: np.ndarray) -> float:
    """Latitude (degrees) of the centre of projected EPSG:4549 geometries (27.8 if none)."""
    ok = ~shapely.is_missing(geoms)
    if not ok.any():
        return 27.8
    x0, y0, x1, y1 = shapely.total_bounds(geoms[ok])
    pt = gpd.GeoSeries(shapely.points([(x0 + x1) / 2], [(y0 + y1) / 2]), crs=WORKING_CRS).to_crs(4326)
    return float(pt.y.iloc[0])
