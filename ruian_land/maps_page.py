"""Page machinery of the overview map: the ``window.RUIAN`` helpers (tooltips built from
HTML-escaped properties, styles by property, derived layers), the search control and a
script element. Used by :mod:`ruian_land.maps`.
"""

from __future__ import annotations

import json
from typing import Any

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

__all__ = ["HELPERS_JS", "Script", "SearchControl", "js"]

HELPERS_JS = """
<script>
window.RUIAN = {fields: {}, lookup: {}, layers: {}, map: null};
RUIAN.tip = function (p, key) {
  var f = RUIAN.fields[key] || [], h = '<table class="ruian-tip">';
  for (var i = 0; i < f.length; i++) {
    var v = p[f[i][0]];
    if (f[i].length > 2 && v !== undefined) { v = (RUIAN.lookup[f[i][2]] || {})[v]; }
    if (v === undefined || v === null || v === '') { v = '\\u2014'; }
    h += '<tr><th>' + f[i][1] + '</th><td>' + v + '</td></tr>';
  }
  return h + '</table>';
};
RUIAN.bind = function (key) {
  return function (feature, layer) {
    var p = feature.properties;
    if (key === 'parcels') {
      p.s = RUIAN.text([p.n, p.u, p.o, p.id].filter(function (x) { return x; }).join(' '));
    }
    var content = function (l) { return RUIAN.tip(l.feature.properties, key); };
    layer.bindTooltip(content, {sticky: true, className: 'ruian-tooltip'});
    layer.bindPopup(content, {maxWidth: 460});
    layer.on('mouseover', function (e) {
      var o = e.target.options;
      if (!e.target._ruianBase) { e.target._ruianBase = {color: o.color, weight: o.weight}; }
      e.target.setStyle({color: '#00e5ff', weight: 3});
    });
    layer.on('mouseout', function (e) {
      if (e.target._ruianBase) { e.target.setStyle(e.target._ruianBase); }
    });
  };
};
RUIAN.text = function (escaped) {
  var t = document.createElement('textarea');
  t.innerHTML = escaped;
  return t.value;
};
RUIAN.searchTip = function (text) {
  var li = L.DomUtil.create('li', '');
  li.textContent = text;
  return li;
};
RUIAN.styler = function (styles, prop) {
  return function (f) { return styles[f.properties[prop]] || styles._; };
};
RUIAN.derive = function (src, dst, prop) {
  var fs = [];
  src.eachLayer(function (l) { if (l.feature.properties[prop] !== undefined) { fs.push(l.feature); } });
  dst.addData(fs);
};
</script>
<style>
.ruian-tip { border-collapse: collapse; font-size: 12px; }
.ruian-tip th { text-align: left; padding: 1px 8px 1px 0; color: #555; white-space: nowrap; vertical-align: top; }
.ruian-tip td { padding: 1px 0; max-width: 380px; white-space: normal; }
.ruian-legend { background: rgba(255,255,255,0.92); padding: 6px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font-size: 12px; line-height: 18px; max-height: 70vh; overflow-y: auto; }
.ruian-legend h4 { margin: 6px 0 2px; font-size: 12px; }
.ruian-legend i { display: inline-block; width: 14px; height: 12px; margin-right: 6px; vertical-align: middle;
  border: 1px solid #666; }
.leaflet-control-scale-line:nth-child(2) { display: none; }
.leaflet-control-search .search-input { width: 240px; }
.ruian-rank { background: #c51b7d; color: #fff; border-radius: 10px; text-align: center; font-weight: bold;
  font-size: 12px; line-height: 20px; width: 20px; height: 20px; }
</style>
"""


class SearchControl(JSCSSMixin, MacroElement):
    """leaflet-search on a GeoJson layer: substring match on property ``s``, zoom to the hit."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = new L.Control.Search({
            layer: {{ this.layer.get_name() }},
            propertyName: 's',
            initial: false,
            marker: false,
            collapsed: false,
            position: 'topleft',
            textPlaceholder: {{ this.placeholder|tojson }},
            textErr: {{ this.text_err|tojson }},
            textCancel: {{ this.text_cancel|tojson }},
            buildTip: RUIAN.searchTip,
            moveToLocation: function (latlng, title, map) {
                map.fitBounds(latlng.layer.getBounds(), {maxZoom: 18});
            }
        });
        {{ this.get_name() }}.on('search:locationfound', function (e) {
            if (!e.layer._ruianBase) {
                e.layer._ruianBase = {color: e.layer.options.color, weight: e.layer.options.weight};
            }
            e.layer.setStyle({color: '#00e5ff', weight: 4});
            if (e.layer.getPopup()) { e.layer.openPopup(); }
        });
        {{ this._parent.get_name() }}.addControl({{ this.get_name() }});
        {% endmacro %}
        """
    )
    default_js = [  # noqa: RUF012 (folium's JSCSSMixin API)
        ("Leaflet.Search.js", "https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.js")
    ]
    default_css = [  # noqa: RUF012
        (
            "Leaflet.Search.css",
            "https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.css",
        )
    ]

    def __init__(self, layer: folium.GeoJson, placeholder: str, text_err: str, text_cancel: str) -> None:
        super().__init__()
        self._name = "RuianSearch"
        self.layer = layer
        self.placeholder = placeholder
        self.text_err = text_err
        self.text_cancel = text_cancel


class Script(MacroElement):
    """A piece of JavaScript placed in the page's script where the element is added
    (after its parent's own code); ``code`` is inserted verbatim: build it with :func:`js`."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.code }}
        {% endmacro %}
        """
    )

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "RuianScript"
        self.code = code


def js(value: Any) -> str:
    """JSON for inline <script>: ``<``, ``>`` and ``&`` escaped so no value can close the tag."""
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
