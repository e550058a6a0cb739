"""Text encodings of bureau files: DBF headers, .cpg files, language-driver bytes, detection.

Chinese shapefiles arrive as GBK (cp936) or UTF-8, usually without saying which: no ``.cpg``
and a DBF language-driver byte (LDID, byte 29 of the header) of 0. GDAL then falls back to
ISO-8859-1 and produces mojibake. The order of evidence used here is:

1. the encoding the user states (project config or argument): used as is, once;
2. a ``.cpg`` file beside the ``.dbf``;
3. the DBF language-driver byte (``0x4D`` / ``0x7A`` = cp936 GBK, ``0x78`` / ``0x4F`` = cp950 …);
4. detection on the raw bytes of the DBF's field names and character fields
   (:func:`detect_encoding`), choosing between UTF-8 and GBK/GB18030 and saying why.

Claims from 2 and 3 are checked against the bytes: a ``.cpg`` that says UTF-8 over GBK bytes,
or a Western code page over Chinese text, is overridden with an
:class:`~ruian_land.core.errors.InputWarning`.
"""

from __future__ import annotations

import codecs
import struct
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from charset_normalizer import from_bytes

from ruian_land.core import InputError, InputWarning

__all__ = [
    "LDID_ENCODINGS",
    "DbfText",
    "EncodingChoice",
    "choose_vector_encoding",
    "cpg_encoding",
    "dbf_text_sample",
    "decodes",
    "detect_encoding",
    "normalise_encoding",
    "read_sidecars",
]

#: DBF language-driver ids (byte 29) → Python codec (ESRI / dBase code page table).
LDID_ENCODINGS: dict[int, str] = {
    0x01: "cp437",
    0x02: "cp850",
    0x03: "cp1252",
    0x57: "cp1252",
    0x58: "cp1252",
    0x59: "cp1252",
    0x64: "cp852",
    0x65: "cp866",
    0x66: "cp865",
    0x4D: "cp936",  # Chinese GBK (PRC)
    0x7A: "cp936",  # PRC GBK
    0x4E: "cp949",  # Korean
    0x4F: "cp950",  # Chinese Big5 (Taiwan)
    0x78: "cp950",  # Taiwan Big5
    0x79: "cp949",
    0x7B: "cp932",  # Japanese
    0x13: "cp932",
    0x7C: "cp874",
    0x7D: "cp1255",
    0x7E: "cp1256",
    0xC8: "cp1250",
    0xC9: "cp1251",
    0xCA: "cp1254",
    0xCB: "cp1253",
}

#: Code pages whose claim is checked against the bytes: Western single-byte pages decode any
#: byte, so a Chinese DBF mislabelled as one would silently turn into mojibake.
_WEAK_CLAIMS = {"cp437", "cp850", "cp1252", "iso8859-1", "latin-1", "cp852", "cp865"}

#: Below this many non-ASCII bytes, text that decodes both as UTF-8 and as GBK is ambiguous
#: (9 bytes = three CJK characters in UTF-8; GBK text practically never forms valid UTF-8
#: over that many bytes). A detection heuristic, not a policy number.
_MIN_UNAMBIGUOUS_BYTES = 9
#: Bytes of character fields sampled for detection (whole values only).
_SAMPLE_BYTES = 4_000_000


@dataclass(frozen=True)
class EncodingChoice:
    """An encoding and the evidence for it (``source`` in explicit|cpg|ldid|bom|detected|ascii)."""

    encoding: str
    source: str
    reason: str


@dataclass(frozen=True)
class DbfText:
    """Raw text bytes of a DBF: header facts and the byte strings of names and character values."""

    ldid: int
    n_records: int
    names: list[bytes]
    values: list[bytes]

    def sample(self) -> bytes:
        """Names and values joined by newlines (for charset detection)."""
        return b"\n".join(self.names + self.values)


def normalise_encoding(name: str) -> str:
    """Python codec name for an encoding label (``'GBK'``, ``'936'``, ``'UTF-8'``, ``'88591'``).

    Raises
    ------
    LookupError
        When Python knows no such codec.
    """
    text = name.strip().strip("\x00").strip()
    low = text.lower().replace(" ", "")
    if low.startswith("ansi"):
        low = low[4:]
    if low.isdigit():
        low = {"65001": "utf-8", "936": "cp936", "54936": "gb18030"}.get(low, f"cp{low}")
        if low.startswith("cp8859") or low.startswith("cp88591"):
            low = "iso8859-" + (low[6:] or "1")
    elif low.startswith("8859"):
        low = "iso8859-" + (low[4:].lstrip("_-") or "1")
    return codecs.lookup(low).name


def cpg_encoding(cpg_text: str) -> str | None:
    """Codec named by a ``.cpg`` file's text, or ``None`` when it names nothing Python knows."""
    try:
        return normalise_encoding(cpg_text)
    except LookupError:
        return None


def dbf_text_sample(raw: bytes, *, max_bytes: int = _SAMPLE_BYTES) -> DbfText:
    """Parse a DBF header and collect the raw bytes of field names and character values.

    Parameters
    ----------
    raw : bytes
        The DBF file's bytes (the header and at least some records).
    max_bytes : int
        Stop collecting values after this many bytes (whole values only).

    Returns
    -------
    DbfText
        Language-driver byte, record count, field-name bytes, non-blank character values
        (right-stripped of spaces and NULs) that contain at least one non-ASCII byte.

    Raises
    ------
    ValueError
        When ``raw`` is not a DBF header.
    """
    if len(raw) < 33:
        raise ValueError("too short for a DBF header")
    n_records, header_len, record_len = struct.unpack("<IHH", raw[4:12])
    ldid = raw[29]
    fields: list[tuple[bytes, bytes, int, int]] = []  # name, type, offset, length
    pos, offset = 32, 1  # byte 0 of a record is the deletion flag
    while pos + 32 <= min(header_len, len(raw)) and raw[pos] != 0x0D:
        desc = raw[pos : pos + 32]
        name = desc[:11].split(b"\x00", 1)[0]
        ftype, flen = desc[11:12], desc[16]
        fields.append((name, ftype, offset, flen))
        offset += flen
        pos += 32
    if not fields or record_len <= 0:
        raise ValueError("no field descriptors")
    names = [f[0] for f in fields if any(b >= 0x80 for b in f[0])]
    values: list[bytes] = []
    total = 0
    text_fields = [(o, n) for _, t, o, n in fields if t in (b"C", b"M", b"V")]
    for i in range(n_records):
        start = header_len + i * record_len
        rec = raw[start : start + record_len]
        if len(rec) < record_len:
            break
        for o, n in text_fields:
            val = rec[o : o + n].rstrip(b" \x00")
            if val and any(b >= 0x80 for b in val):
                values.append(val)
                total += len(val)
        if total >= max_bytes:
            break
    return DbfText(ldid=ldid, n_records=n_records, names=names, values=values)


def decodes(chunks: list[bytes], encoding: str) -> bool:
    """True when every chunk decodes strictly, allowing a multi-byte character cut at the end
    of a fixed-width DBF field (the field width may split the last character)."""
    return all(any(_decodes(c[: len(c) - cut], encoding) for cut in range(min(4, len(c)))) for c in chunks)


def _decodes(chunk: bytes, encoding: str) -> bool:
    try:
        chunk.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(chunks: list[bytes], *, source: str, what: str = "text") -> EncodingChoice:
    """Choose UTF-8 or GBK/GB18030 for raw text bytes, saying why.

    Parameters
    ----------
    chunks : list of bytes
        Text units (DBF values and field names, or a whole CSV file as one chunk).
    source : str
        File name for messages.
    what : str
        What the bytes are, for messages (``'DBF field names and values'``).

    Returns
    -------
    EncodingChoice
        ``utf-8`` or ``gb18030`` (a superset of GBK/cp936) with ``source='detected'``, or
        ``utf-8`` with ``source='ascii'`` when there is no non-ASCII byte at all.

    Raises
    ------
    InputError
        When the bytes decode as both and are too short to tell, or decode as neither (the
        message gives charset-normalizer's own guess); the fix is to state the encoding.
    """
    non_ascii = int(np.count_nonzero(np.frombuffer(b"".join(chunks), dtype=np.uint8) >= 0x80))
    if non_ascii == 0:
        return EncodingChoice("utf-8", "ascii", f"the {what} are plain ASCII")
    ok_utf8 = decodes(chunks, "utf-8")
    ok_gb = decodes(chunks, "gb18030")
    sample = b"\n".join(chunks)[:_SAMPLE_BYTES]
    best = from_bytes(sample, cp_isolation=["utf_8", "gb18030"]).best()
    guess = best.encoding if best is not None else None
    fix = "state the encoding (encoding: gbk or encoding: utf-8) for this source in the project config"
    if ok_utf8 and (not ok_gb or (non_ascii >= _MIN_UNAMBIGUOUS_BYTES and guess in (None, "utf_8"))):
        why = (
            "only UTF-8 decodes them"
            if not ok_gb
            else "they form valid UTF-8, which GBK text practically never does"
        )
        return EncodingChoice("utf-8", "detected", f"{non_ascii} non-ASCII bytes in the {what}: {why}")
    if ok_gb and not ok_utf8:
        return EncodingChoice(
            "gb18030",
            "detected",
            f"{non_ascii} non-ASCII bytes in the {what} are not valid UTF-8 but decode as GBK/GB18030",
        )
    if ok_utf8 and ok_gb:
        raise InputError(
            f"cannot tell the encoding of the {what}: their {non_ascii} non-ASCII bytes decode both as "
            "UTF-8 and as GBK",
            path=source,
            fix=fix,
        )
    free = from_bytes(sample).best()
    raise InputError(
        f"the {what} decode neither as UTF-8 nor as GBK/GB18030 "
        f"(charset-normalizer's guess: {free.encoding if free else 'none'})",
        path=source,
        fix=fix,
    )


def read_sidecars(path: Path, *, max_bytes: int = _SAMPLE_BYTES) -> tuple[bytes | None, str | None]:
    """Raw DBF bytes (up to ``max_bytes`` plus the header) and ``.cpg`` text for a vector source.

    Handles ``x.shp``, ``x.dbf`` and a ``.zip`` holding exactly one shapefile. Returns
    ``(None, None)`` for other formats (GeoPackage, GeoJSON … are UTF-8 by definition).
    """
    suffix = path.suffix.lower()
    if suffix in {".shp", ".dbf", ".shx"}:
        dbf = _sibling(path, ".dbf")
        cpg = _sibling(path, ".cpg")
        raw = None
        if dbf is not None:
            with dbf.open("rb") as fh:
                raw = fh.read(max_bytes + 65_536)
        text = cpg.read_bytes().decode("ascii", "replace") if cpg is not None else None
        return raw, text
    if suffix == ".zip" and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            dbfs = [n for n in zf.namelist() if n.lower().endswith(".dbf")]
            if len(dbfs) != 1:
                return None, None
            with zf.open(dbfs[0]) as fh:
                raw = fh.read(max_bytes + 65_536)
            stem = dbfs[0][:-4]
            cpgs = [n for n in zf.namelist() if n.lower() == f"{stem}.cpg".lower()]
            text = zf.read(cpgs[0]).decode("ascii", "replace") if cpgs else None
        return raw, text
    return None, None


def _sibling(path: Path, suffix: str) -> Path | None:
    for cand in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if cand.exists():
            return cand
    return None


def choose_vector_encoding(path: Path, explicit: str | None, *, source: str) -> EncodingChoice | None:
    """Decide the encoding for a shapefile's DBF (see the module docstring for the order).

    Parameters
    ----------
    path : Path
        The ``.shp``, ``.dbf`` or ``.zip`` given by the user.
    explicit : str, optional
        The encoding the user stated; returned as is (applied exactly once by the reader).
    source : str
        File name for messages.

    Returns
    -------
    EncodingChoice or None
        ``None`` for formats without a DBF (GeoPackage, GeoJSON …: GDAL decodes them).

    Raises
    ------
    InputError
        When the bytes contradict the declared encoding and detection cannot decide either.

    Warns
    -----
    InputWarning
        When the encoding was detected (saying which and why), or a declaration was overridden.
    """
    if explicit:
        return EncodingChoice(explicit, "explicit", "stated by the user")
    raw, cpg = read_sidecars(path)
    if raw is None:
        return None
    try:
        dbf = dbf_text_sample(raw)
    except ValueError:
        return None
    chunks = dbf.names + dbf.values
    claims: list[tuple[str, str, str]] = []
    if cpg is not None:
        enc = cpg_encoding(cpg)
        if enc is None:
            warnings.warn(
                f"{source}: the .cpg file names an unknown encoding {cpg.strip()!r}; ignored",
                InputWarning,
                stacklevel=3,
            )
        else:
            claims.append((enc, "cpg", f"the .cpg file says {cpg.strip()!r}"))
    if dbf.ldid in LDID_ENCODINGS:
        enc = LDID_ENCODINGS[dbf.ldid]
        claims.append(
            (normalise_encoding(enc), "ldid", f"the DBF language-driver byte 0x{dbf.ldid:02X} means {enc}")
        )
    fix = "state the encoding (encoding: gbk or encoding: utf-8) for this source in the project config"
    if claims:
        enc, src, why = claims[0]
        fits = decodes(chunks, enc)
        if fits and (enc not in _WEAK_CLAIMS or not any(b >= 0x80 for c in chunks for b in c)):
            return EncodingChoice(enc, src, why)
        try:
            found = detect_encoding(chunks, source=source, what="DBF field names and values")
        except InputError:
            if fits:
                return EncodingChoice(enc, src, why)
            raise InputError(
                f"{why}, but the DBF's text does not decode as {enc}, and its encoding cannot be detected",
                path=source,
                fix=fix,
            ) from None
        warnings.warn(
            f"{source}: {why}, but {found.reason}; reading it as {found.encoding}",
            InputWarning,
            stacklevel=3,
        )
        return found
    found = detect_encoding(chunks, source=source, what="DBF field names and values")
    if found.source == "detected":
        warnings.warn(
            f"{source}: no .cpg file and DBF language-driver byte 0x{dbf.ldid:02X} (none); read as "
            f"{found.encoding} because {found.reason}. State the encoding in the project config to silence this",
            InputWarning,
            stacklevel=3,
        )
    return found
