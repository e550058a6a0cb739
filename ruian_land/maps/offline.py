"""Make a rendered folium page self-contained: inline pinned Leaflet assets, reference no CDN.

folium renders ``<script src="https://cdn…">`` and ``<link href="https://cdn…">`` tags.
:func:`inline_assets` replaces each one with the content of a pinned copy shipped in
``ruian_land/static/`` (see ``static/README.md`` for versions, sources and licences);
images that a stylesheet references with a relative ``url(…)`` are embedded as ``data:``
URIs. folium's default Bootstrap / jQuery / Font Awesome / awesome-markers assets are not
used by the overview map (no markers with icons, no Bootstrap widgets) and are dropped.
Any other http(s) asset raises :class:`OfflineAssetError`: the page is never silently left
depending on the network.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from importlib import resources
from pathlib import PurePosixPath

__all__ = [
    "ASSETS",
    "DROPPED_ASSETS",
    "OfflineAssetError",
    "inline_assets",
    "remote_asset_urls",
    "unescape_non_ascii",
]


class OfflineAssetError(RuntimeError):
    """A rendered page references a web asset that has no pinned offline copy."""


#: CDN URL folium renders → pinned copy under ``ruian_land/static/`` (same version).
ASSETS: dict[str, str] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet-1.9.3/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet-1.9.3/leaflet.css",
    "https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.js": (
        "leaflet-search-2.9.7/dist/leaflet-search.min.js"
    ),
    "https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.css": (
        "leaflet-search-2.9.7/dist/leaflet-search.min.css"
    ),
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": (
        "leaflet.fullscreen-3.0.0/Control.FullScreen.js"
    ),
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css": (
        "leaflet.fullscreen-3.0.0/Control.FullScreen.css"
    ),
    "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.js": (
        "leaflet-measure-2.1.7/dist/leaflet-measure.min.js"
    ),
    "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.css": (
        "leaflet-measure-2.1.7/dist/leaflet-measure.css"
    ),
}

#: folium's default assets the overview map does not use; removed in offline mode.
DROPPED_ASSETS: frozenset[str] = frozenset(
    {
        "https://code.jquery.com/jquery-3.7.1.min.js",
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js",
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js",
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css",
        "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css",
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css",
        "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css",
    }
)

_MIME = {".png": "image/png", ".gif": "image/gif", ".svg": "image/svg+xml", ".jpg": "image/jpeg"}
_SCRIPT_RE = re.compile(
    r"<script\b[^>]*?\bsrc\s*=\s*[\"'](?P<url>https?://[^\"']+)[\"'][^>]*>\s*</script>", re.I
)
_LINK_RE = re.compile(r"<link\b[^>]*?\bhref\s*=\s*[\"'](?P<url>https?://[^\"']+)[\"'][^>]*/?>", re.I)
_REMOTE_RE = re.compile(
    r"<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)\s*=\s*[\"'](https?:)?//[^\"']+", re.I
)
_CSS_URL_RE = re.compile(r"url\(\s*(?P<q>[\"']?)(?P<ref>[^)\"']+)(?P=q)\s*\)")
_UNICODE_ESCAPE_RE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9a-fA-F]{4})")


def _static_bytes(rel: str) -> bytes:
    return resources.files("ruian_land").joinpath("static", *rel.split("/")).read_bytes()


@cache
def _asset_text(rel: str) -> str:
    text = _static_bytes(rel).decode("utf-8")
    if rel.endswith(".css"):
        base = PurePosixPath(rel).parent

        def embed(m: re.Match[str]) -> str:
            ref = m.group("ref").strip()
            if ref.startswith(("data:", "#")):
                return m.group(0)
            if re.match(r"^[a-z]+:|^//", ref, re.I):
                raise OfflineAssetError(f"{rel} references the web resource {ref}")
            parts: list[str] = []
            for piece in (base / ref.split("?")[0].split("#")[0]).parts:
                if piece == "..":
                    parts.pop()
                elif piece != ".":
                    parts.append(piece)
            target = "/".join(parts)
            mime = _MIME.get(PurePosixPath(target).suffix.lower(), "application/octet-stream")
            data = base64.b64encode(_static_bytes(target)).decode("ascii")
            return f'url("data:{mime};base64,{data}")'

        text = _CSS_URL_RE.sub(embed, text)
        return re.sub(r"</(style)", r"<\\/\1", text, flags=re.I)
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.I)


def remote_asset_urls(html: str) -> list[str]:
    """URLs of every ``<script src>``, ``<link href>``, ``<img src>`` or ``<iframe src>`` in
    ``html`` that points to the network (``http:``, ``https:`` or protocol-relative ``//``)."""
    return [m.group(0).split("=", 1)[1].strip("\"' ") for m in _REMOTE_RE.finditer(html)]


def inline_assets(html: str) -> str:
    """Replace every CDN ``<script src>`` / ``<link href>`` of a folium page by inline content.

    Parameters
    ----------
    html : str
        A page rendered by folium (``m.get_root().render()``).

    Returns
    -------
    str
        The same page with pinned copies inlined (``<script>…</script>``,
        ``<style>…</style>``) and unused folium defaults (:data:`DROPPED_ASSETS`) removed.

    Raises
    ------
    OfflineAssetError
        A web asset has no pinned copy, or any web asset URL is left after inlining.
    """
    missing: list[str] = []

    def script(m: re.Match[str]) -> str:
        url = m.group("url")
        if url in ASSETS:
            return f"<script>/* {ASSETS[url]} (ruian_land/static) */\n{_asset_text(ASSETS[url])}</script>"
        if url in DROPPED_ASSETS:
            return ""
        missing.append(url)
        return m.group(0)

    def link(m: re.Match[str]) -> str:
        url = m.group("url")
        if url in ASSETS:
            return f"<style>/* {ASSETS[url]} (ruian_land/static) */\n{_asset_text(ASSETS[url])}</style>"
        if url in DROPPED_ASSETS:
            return ""
        missing.append(url)
        return m.group(0)

    out = _LINK_RE.sub(link, _SCRIPT_RE.sub(script, html))
    left = remote_asset_urls(out)
    if missing or left:
        raise OfflineAssetError(
            "the map needs web assets with no offline copy: "
            + ", ".join(sorted(set(missing) | set(left)))
            + ". Fix: add the file to ruian_land/static/ and to maps_offline.ASSETS, or drop the plugin "
            "in offline mode"
        )
    return out


def unescape_non_ascii(text: str) -> str:
    """Turn JSON ``\\uXXXX`` escapes of non-ASCII characters back into the characters.

    folium's ``tojson`` writes Chinese as ``\\u5b97\\u5730`` (6 bytes per character, and
    unreadable in the saved HTML); UTF-8 is 3 bytes. Escapes of ASCII (``\\u003c`` for
    ``<`` etc., which keep ``</script>`` out of inline JSON), of surrogates and of the
    JavaScript line terminators U+2028/U+2029 are kept. A backslash that is itself escaped
    (``\\\\u…``) is left alone.
    """

    def repl(m: re.Match[str]) -> str:
        cp = int(m.group(2), 16)
        if cp < 0x80 or 0xD800 <= cp <= 0xDFFF or cp in (0x2028, 0x2029):
            return m.group(0)
        return m.group(1) + chr(cp)

    return _UNICODE_ESCAPE_RE.sub(repl, text)
