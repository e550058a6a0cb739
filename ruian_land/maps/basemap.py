"""Background tiles of the overview map: none, OpenStreetMap, Tianditu or an internal XYZ/WMTS.

The toolkit's data are CGCS2000 (EPSG:4549 → EPSG:4326 on the map; CGCS2000 and WGS 84 differ
by centimetres). Tianditu (天地图) and OpenStreetMap tiles are in that frame. Tiles of AMap /
Gaode (高德), Tencent (腾讯) and Google's China site are in GCJ-02, shifted by several hundred
metres in Ruian, and Baidu's (百度) are in BD-09 on their own tiling: drawn under the parcels they
would put every parcel on the wrong block. :func:`add_basemap` refuses such a URL
(:class:`~ruian_land.core.errors.InputError`) instead of mixing the two silently.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import folium

from ruian_land.core import InputError

__all__ = ["BASEMAPS", "GCJ02_HOSTS", "add_basemap", "check_tile_url", "tile_template"]

#: Accepted values of ``basemap`` (config ``maps.basemap``).
BASEMAPS: tuple[str, ...] = ("none", "osm", "tianditu", "xyz")

#: Host name endings of tile services in GCJ-02 / BD-09 (refused).
GCJ02_HOSTS: dict[str, str] = {
    "autonavi.com": "高德地图 (AMap/Gaode, GCJ-02)",
    "amap.com": "高德地图 (AMap/Gaode, GCJ-02)",
    "gaode.com": "高德地图 (AMap/Gaode, GCJ-02)",
    "map.baidu.com": "百度地图 (Baidu, BD-09)",
    "bdimg.com": "百度地图 (Baidu, BD-09)",
    "bdstatic.com": "百度地图 (Baidu, BD-09)",
    "map.qq.com": "腾讯地图 (Tencent, GCJ-02)",
    "gtimg.com": "腾讯地图 (Tencent, GCJ-02)",
    "google.cn": "Google 中国 (GCJ-02)",
    "googleapis.cn": "Google 中国 (GCJ-02)",
    "gstatic.cn": "Google 中国 (GCJ-02)",
}

_WMTS_KEYS = {"tilematrix": "{z}", "tilerow": "{y}", "tilecol": "{x}"}
_TIANDITU = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}"
    "&TILECOL={{x}}&tk={key}"
)


def tile_template(url: str) -> str:
    """A Leaflet ``{z}/{x}/{y}`` template from an XYZ or WMTS (REST or KVP) tile URL.

    WMTS placeholders ``{TileMatrix}``, ``{TileRow}``, ``{TileCol}`` (any case) become ``{z}``,
    ``{y}``, ``{x}``; a KVP ``GetTile`` URL with literal ``TILEMATRIX=…`` values must use those
    placeholders. The tile matrix set must be Web Mercator (EPSG:3857, Tianditu's ``w``).

    Raises
    ------
    InputError
        The result lacks ``{z}``, ``{x}`` or ``{y}`` (column ``maps.xyz_url``).
    """
    out = re.sub(
        r"\{(TileMatrix|TileRow|TileCol)\}",
        lambda m: _WMTS_KEYS[m.group(1).lower()],
        url.strip(),
        flags=re.I,
    )
    missing = [p for p in ("{z}", "{x}", "{y}") if p not in out]
    if missing:
        raise InputError(
            f"the tile URL {url!r} has no {', '.join(missing)} placeholder",
            column="maps.xyz_url",
            fix="write it as https://host/tiles/{z}/{x}/{y}.png, or a WMTS URL with {TileMatrix}, "
            "{TileRow} and {TileCol} in a Web Mercator tile matrix set",
        )
    return out


def check_tile_url(url: str) -> None:
    """Refuse a tile URL of a GCJ-02 / BD-09 provider (see the module docstring).

    Raises
    ------
    InputError
        The host is one of :data:`GCJ02_HOSTS` (column ``maps.xyz_url``).
    """
    host = (urlsplit(url.replace("{s}", "a")).hostname or "").lower()
    for end, what in GCJ02_HOSTS.items():
        if host == end or host.endswith("." + end):
            raise InputError(
                f"the basemap {url!r} is {what}: its tiles are offset by several hundred metres from "
                "the CGCS2000 parcels and would be drawn under the wrong parcels",
                column="maps.xyz_url",
                fix="use basemap 'tianditu' (maps.tianditu_key), OpenStreetMap, or an internal "
                "CGCS2000/WGS 84 Web Mercator tile service",
            )


def add_basemap(
    m: folium.Map,
    basemap: str,
    *,
    tianditu_key: str | None = None,
    xyz_url: str | None = None,
    xyz_attribution: str | None = None,
) -> None:
    """Add the background tiles to ``m`` (nothing for ``"none"``).

    Parameters
    ----------
    m : folium.Map
    basemap : {'none', 'osm', 'tianditu', 'xyz'}
        ``tianditu`` needs ``tianditu_key`` (config ``maps.tianditu_key``): the vector map and
        its Chinese labels (``vec_w`` + ``cva_w``). ``xyz`` needs ``xyz_url`` (config
        ``maps.xyz_url``): XYZ or WMTS template of an internal tile server.
    xyz_attribution : str, optional
        Credit shown on the map (default: the URL's host).

    Raises
    ------
    InputError
        Unknown ``basemap``, a missing key or URL, a URL without placeholders or a GCJ-02 /
        BD-09 provider.
    """
    if basemap not in BASEMAPS:
        raise InputError(
            f"unknown basemap {basemap!r}", column="maps.basemap", fix=f"use one of {', '.join(BASEMAPS)}"
        )
    if basemap == "osm":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap", control=False).add_to(m)
    elif basemap == "tianditu":
        if not tianditu_key:
            raise InputError(
                "basemap 'tianditu' needs a 天地图 key",
                column="maps.tianditu_key",
                fix="apply for a browser key at console.tianditu.gov.cn and set maps.tianditu_key",
            )
        key = quote(tianditu_key.strip(), safe="")
        for layer in ("vec", "cva"):
            folium.TileLayer(
                tiles=_TIANDITU.format(layer=layer, key=key),
                attr="天地图 © 国家地理信息公共服务平台",
                subdomains="01234567",
                name=f"天地图 {layer}",
                control=False,
            ).add_to(m)
    elif basemap == "xyz":
        if not xyz_url:
            raise InputError(
                "basemap 'xyz' needs a tile URL",
                column="maps.xyz_url",
                fix="set maps.xyz_url to the internal tile server, e.g. http://gis.local/tiles/{z}/{x}/{y}.png",
            )
        check_tile_url(xyz_url)
        url = tile_template(xyz_url)
        attr = xyz_attribution or (urlsplit(url.replace("{s}", "a")).hostname or url)
        folium.TileLayer(url, attr=attr, name="底图", control=False).add_to(m)
