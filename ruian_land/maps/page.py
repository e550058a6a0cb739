"""Page machinery of the overview map: the ``window.RUIAN`` JavaScript (payload decoder, lazy
layers, tooltips built from HTML-escaped properties, per-layer legends), the layer element,
the search control and a script element. Used by :mod:`ruian_land.maps`.

``RUIAN.load(key, payload)`` decodes a layer payload (format: :mod:`ruian_land.maps.encode`)
into GeoJSON features once; ``RUIAN.layer(group, spec)`` wires a layer-control entry to them:
its ``L.geoJson`` is filled the first time the group is shown (a hidden layer costs nothing
at load), one tooltip and one popup are bound on the whole layer, and the layer's legend
block is shown exactly while the layer is on the map.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

__all__ = ["HELPERS_JS", "DataBlock", "RuianLayer", "Script", "SearchControl", "js"]

_JINJA_OPEN = re.compile(r"\{(?=[{%#])")

HELPERS_JS = """
<script>
window.RUIAN = {fields: {}, lookup: {}, layers: {}, paths: {}, legends: {}, legendEls: {}, data: {}, stores: {},
  timing: {}, rankTop: 10, rankZoom: 14, map: null};
RUIAN.unesc = function (s) {
  return s.replace(/&(lt|gt|quot|#x27|amp);/g, function (m, e) {
    return {lt: '<', gt: '>', quot: '"', '#x27': "'", amp: '&'}[e];
  });
};
RUIAN.rings = function (list, st, scale) {
  var out = [];
  for (var r = 0; r < list.length; r++) {
    var s = list[r], pts = [], i = 0, n = s.length;
    while (i < n) {
      for (var axis = 0; axis < 2; axis++) {
        var v = 0, f = 1, b;
        do {
          b = s.charCodeAt(i++);
          b = (b === 33 ? 92 : b === 36 ? 123 : b) - 63;
          v += (b & 31) * f; f *= 32;
        } while (b >= 32);
        st[axis] += (v % 2) ? -(v + 1) / 2 : v / 2;
      }
      pts.push(new L.LatLng(st[0] / scale, st[1] / scale));
    }
    out.push(pts);
  }
  return out;
};
RUIAN.geoms = function (items, scale) {
  // polygon -> {ll: [ring, hole...]}, multipolygon -> {ll: [[ring...], ...]}, other -> {gj: GeoJSON}
  var st = [0, 0], out = new Array(items.length);
  for (var k = 0; k < items.length; k++) {
    var g = items[k];
    if (!Array.isArray(g)) { out[k] = {gj: g}; }
    else if (typeof g[0] === 'string') { out[k] = {ll: RUIAN.rings(g, st, scale)}; }
    else { out[k] = {ll: g.map(function (p) { return RUIAN.rings(p, st, scale); })}; }
  }
  return out;
};
RUIAN.col = function (c) {
  // a column spec -> accessor function (row -> string, '' = missing), decoded on access
  if (Array.isArray(c)) { return function (r) { return c[r]; }; }
  var inner = c.v === undefined ? null : RUIAN.col(c.v);
  if (c.p !== undefined) {
    return function (r) { var v = inner(r); return v === '' ? '' : c.p + v; };
  }
  if (c.t !== undefined) {
    return function (r) {
      var row = inner(r);
      if (row === '') { return ''; }
      return row.split('|').map(function (seg) {
        var a = seg.split(' '), k = 1;
        return c.t[+a[0]].replace(/\u0001/g, function () { return a[k++]; });
      }).join(c.j);
    };
  }
  var idx = RUIAN.idx(c.i), d = c.d;
  return function (r) { return d[idx[r]]; };
};
RUIAN.digits = {};
(function () {
  var k = 0;
  for (var c = 35; c < 127; c++) {
    if ([38, 60, 62, 92, 123].indexOf(c) < 0) { RUIAN.digits[c] = k++; }  // skips & < > backslash {
  }
})();
RUIAN.idx = function (s) {
  if (typeof s !== 'string') { return s; }
  var w = +s[0], n = (s.length - 1) / w, out = new Int32Array(n);
  for (var r = 0, p = 1; r < n; r++) {
    var v = 0;
    for (var j = 0; j < w; j++) { v = v * 87 + RUIAN.digits[s.charCodeAt(p++)]; }
    out[r] = v;
  }
  return out;
};
RUIAN.getter = function (get) {
  return {get: function () { var v = get(this._r); return v === '' || v === null ? undefined : v; }};
};
RUIAN.load = function (key, d) {
  // features {properties, g (geometry), pt}: properties read the columns on access (no copies)
  var t0 = performance.now(), n = d.n, k, r;
  var Row = function (i) { this._r = i; };
  var keys = [];
  Object.keys(d.c).forEach(function (k) {
    var ks = k.split('|');
    if (ks.length === 1) {
      Object.defineProperty(Row.prototype, k, RUIAN.getter(RUIAN.col(d.c[k])));
      keys.push(k);
      return;
    }
    var idx = RUIAN.idx(d.c[k].i);
    ks.forEach(function (name, j) {
      var sub = RUIAN.col(d.c[k].g[j]);
      Object.defineProperty(Row.prototype, name, RUIAN.getter(function (i) { return sub(idx[i]); }));
      keys.push(name);
    });
  });
  Row.prototype.keys = keys;
  if (d.q) {
    Object.defineProperty(Row.prototype, 's', {get: function () {
      var t = [];
      for (var j = 0; j < d.q.length; j++) { var v = this[d.q[j]]; if (v) { t.push(v); } }
      return RUIAN.unesc(t.join(' '));
    }});
  }
  var geoms;
  if (d.ref) {
    var base = RUIAN.stores[d.ref], at = RUIAN.idx(d.i);
    geoms = new Array(n);
    for (r = 0; r < n; r++) { geoms[r] = base[at[r]]; }
  } else {
    geoms = RUIAN.geoms(d.g, d.s);
  }
  var feats = new Array(n);
  for (r = 0; r < n; r++) {
    feats[r] = {type: 'Feature', properties: new Row(r), g: geoms[r]};
    if (d.pt) { feats[r].pt = d.pt[r]; }
  }
  RUIAN.stores[key] = geoms;
  RUIAN.data[key] = feats;
  RUIAN.timing['load ' + key] = performance.now() - t0;
};
RUIAN.loadAll = function () {
  var blocks = document.querySelectorAll('script[type="application/json"][data-ruian]');
  for (var i = 0; i < blocks.length; i++) {
    RUIAN.load(blocks[i].getAttribute('data-ruian'), JSON.parse(blocks[i].textContent));
  }
};
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
RUIAN.styler = function (styles, prop) {
  return function (f) { return styles[f.properties[prop]] || styles._; };
};
RUIAN.path = function (f, style) {
  var l = f.g.ll ? new L.Polygon(f.g.ll, style) : L.GeoJSON.geometryToLayer({type: 'Feature', geometry: f.g.gj});
  if (!f.g.ll && l.setStyle) { l.setStyle(style); }
  l.feature = f;
  return l;
};
RUIAN.canvas = function () {
  // one canvas for every data layer (fast with tens of thousands of parcels); the map's other
  // paths (the measure tool's, which needs SVG elements) keep Leaflet's default SVG renderer
  if (!RUIAN._canvas) { RUIAN._canvas = L.canvas(); }
  return RUIAN._canvas;
};
RUIAN.layer = function (fg, spec) {
  var styles = {};
  for (var key in spec.style) { styles[key] = L.extend({renderer: RUIAN.canvas(), noClip: true}, spec.style[key]); }
  var grp = L.featureGroup().addTo(fg), style = RUIAN.styler(styles, spec.prop);
  var content = function (l) { return RUIAN.tip(l.feature.properties, spec.tip); };
  grp.bindTooltip(content, {sticky: true, className: 'ruian-tooltip'});
  grp.bindPopup(content, {maxWidth: 460});
  grp.on('mouseover', function (e) { if (e.layer.setStyle) { e.layer.setStyle({color: '#00e5ff', weight: 3}); } });
  grp.on('mouseout', function (e) {
    if (e.layer.setStyle && !e.layer._ruianFound) { e.layer.setStyle(style(e.layer.feature)); }
  });
  var done = false;
  fg.on('add', function () {
    if (done) { return; }
    done = true;
    var t0 = performance.now(), fs = RUIAN.data[spec.data] || [];
    if (spec.filter) { fs = fs.filter(function (f) { return f.properties[spec.filter] !== undefined; }); }
    for (var i = 0; i < fs.length; i++) { grp.addLayer(RUIAN.path(fs[i], style(fs[i]))); }
    if (spec.ranks) { RUIAN.ranks(fg, fs); }
    RUIAN.timing['draw ' + spec.name] = performance.now() - t0;
  });
  fg.on('add remove', function () { setTimeout(RUIAN.syncLegend, 0); });
  RUIAN.layers[spec.name] = fg;
  RUIAN.paths[spec.name] = grp;
  RUIAN.legends[spec.name] = spec.legend;
};
RUIAN.ranks = function (fg, fs) {
  // rank labels: the best RUIAN.rankTop always, every site in view from zoom RUIAN.rankZoom
  var sites = fs.filter(function (f) { return f.pt && f.properties.rk !== undefined; }), shown = {};
  var update = function () {
    var map = RUIAN.map;
    if (!map.hasLayer(fg)) { return; }
    var z = map.getZoom(), b = map.getBounds().pad(0.2);
    for (var i = 0; i < sites.length; i++) {
      var f = sites[i], want = +f.properties.rk <= RUIAN.rankTop || (z >= RUIAN.rankZoom && b.contains(f.pt));
      if (want && !shown[i]) {
        shown[i] = L.marker(f.pt, {interactive: false, keyboard: false, icon: L.divIcon({
          className: 'ruian-rank-icon', iconSize: [20, 20], iconAnchor: [10, 10],
          html: '<div class="ruian-rank">' + f.properties.rk + '</div>'})}).addTo(fg);
      } else if (!want && shown[i]) { fg.removeLayer(shown[i]); delete shown[i]; }
    }
  };
  RUIAN.map.on('moveend', update);
  fg.on('add', update);
  update();
};
RUIAN.syncLegend = function () {
  var box = RUIAN.legendBox, any = false;
  if (!box) { return; }
  for (var name in RUIAN.legendEls) {
    var on = RUIAN.map.hasLayer(RUIAN.layers[name]);
    RUIAN.legendEls[name].style.display = on ? '' : 'none';
    any = any || on;
  }
  box.style.display = any ? '' : 'none';
};
RUIAN.addLegend = function (map, title, order, note) {
  var lg = L.control({position: 'bottomright'});
  lg.onAdd = function () {
    var d = L.DomUtil.create('div', 'ruian-legend'), det = L.DomUtil.create('details', '', d);
    // open on a wide screen only: folded, it leaves the eastern parcels visible (click 图例 to open)
    det.open = window.innerWidth >= 1600;
    L.DomUtil.create('summary', '', det).innerHTML = '<b>' + title + '</b>（图例）';
    RUIAN.legendEls = {};
    order.forEach(function (name) {
      if (!RUIAN.legends[name]) { return; }
      var sec = L.DomUtil.create('section', 'ruian-legend-layer', det);
      sec.setAttribute('data-layer', name);
      sec.innerHTML = RUIAN.legends[name];
      RUIAN.legendEls[name] = sec;
    });
    L.DomUtil.create('div', 'ruian-note', det).innerHTML = note;
    L.DomEvent.disableClickPropagation(d);
    L.DomEvent.disableScrollPropagation(d);
    RUIAN.legendBox = d;
    return d;
  };
  lg.addTo(map);
  RUIAN.syncLegend();
};
RUIAN.offlineIcons = function () {
  // offline page: the default marker image (used invisibly by the measure tool) is the data:
  // URI of the inlined leaflet.css, not a file next to the page
  var d = L.DomUtil.create('div', 'leaflet-default-icon-path', document.body);
  var m = /^url\\(["']?(data:[^"')]+)["']?\\)$/.exec(getComputedStyle(d).backgroundImage);
  d.remove();
  if (!m) { return; }
  L.Icon.Default.mergeOptions({iconUrl: m[1], iconRetinaUrl: m[1], shadowUrl: null});
  L.Icon.Default.include({_getIconUrl: function (name) { return L.Icon.prototype._getIconUrl.call(this, name); }});
};
RUIAN.searchTip = function (text) {
  var li = L.DomUtil.create('li', '');
  li.textContent = text;
  return li;
};
RUIAN.found = function (e, map) {
  var l = e.layer;
  l._ruianFound = true;
  l.setStyle({color: '#00e5ff', weight: 4});
  L.popup({maxWidth: 460}).setLatLng(l.getBounds().getCenter())
    .setContent(RUIAN.tip(l.feature.properties, 'parcels')).openOn(map);
};
</script>
<style>
.ruian-tip { border-collapse: collapse; font-size: 12px; }
.ruian-tip th { text-align: left; padding: 1px 8px 1px 0; color: #555; white-space: nowrap; vertical-align: top; }
.ruian-tip td { padding: 1px 0; max-width: 380px; white-space: normal; }
.ruian-legend { background: rgba(255,255,255,0.92); padding: 6px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font-size: 12px; line-height: 18px; max-height: 45vh; overflow-y: auto; }
.ruian-legend h4 { margin: 6px 0 2px; font-size: 12px; }
.ruian-legend i { display: inline-block; width: 14px; height: 12px; margin-right: 6px; vertical-align: middle;
  border: 1px solid #666; }
.ruian-legend .ruian-unit, .ruian-note { color: #666; }
.leaflet-control-scale-line:nth-child(2) { display: none; }
.leaflet-control-search .search-input { width: 240px; }
.ruian-rank { background: #c51b7d; color: #fff; border-radius: 10px; text-align: center; font-weight: bold;
  font-size: 12px; line-height: 20px; width: 20px; height: 20px; }
</style>
"""


class RuianLayer(folium.FeatureGroup):
    """A named overlay (layer control entry) wired by ``RUIAN.layer`` to decoded features.

    Parameters
    ----------
    name : str
        Chinese name shown in the layer control.
    spec : dict
        ``data`` (payload key), ``filter`` (property a feature must have, or None),
        ``style`` ({key: Leaflet path style}, ``_`` = default), ``prop`` (property picking
        the style), ``tip`` (field list key), ``legend`` (HTML block), ``ranks`` (draw
        ``rk`` labels at each feature's point).
    show : bool
        Shown on opening.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        RUIAN.layer({{ this.get_name() }}, {{ this.spec_js }});
        {% endmacro %}
        """
    )

    def __init__(self, name: str, spec: dict[str, Any], *, show: bool = True) -> None:
        super().__init__(name=name, show=show)
        self._name = "RuianLayer"
        self.spec_js = js({"name": name, **spec})


class SearchControl(JSCSSMixin, MacroElement):
    """leaflet-search on the named layer's paths: substring match on property ``s`` (firm
    name, code, other occupants, parcel id), run on every keystroke and on ``input`` events
    (paste, IME), zoom to the hit and open its popup."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = new L.Control.Search({
            layer: RUIAN.paths[{{ this.layer_js }}],
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
            RUIAN.found(e, {{ this._parent.get_name() }});
        });
        {{ this._parent.get_name() }}.addControl({{ this.get_name() }});
        L.DomEvent.on({{ this.get_name() }}._input, 'input', function () {
            // pasted text and IME input may bring no keyup: search on 'input' too
            var c = {{ this.get_name() }};
            if (c._input.value.length >= c.options.minLength) {
                clearTimeout(c.timerKeypress);
                c.timerKeypress = setTimeout(function () { c._fillRecordsCache(); }, c.options.delayType);
            }
        });
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

    def __init__(self, layer_name: str, placeholder: str, text_err: str, text_cancel: str) -> None:
        super().__init__()
        self._name = "RuianSearch"
        self.layer_js = js(layer_name)
        self.placeholder = placeholder
        self.text_err = text_err
        self.text_cancel = text_cancel


class DataBlock(Element):
    """A layer payload as ``<script type="application/json" data-ruian="key">`` in the page body
    (parsed by ``JSON.parse`` in ``RUIAN.loadAll``: faster than a JavaScript literal of the same
    size). ``data`` must come from :func:`js` (no ``<`` can close the element)."""

    _template = Template(
        '<script type="application/json" data-ruian="{{ this.key }}">{{ this.data }}</script>\n'
    )

    def __init__(self, key: str, data: str) -> None:
        super().__init__()
        self._name = "RuianData"
        self.key = html.escape(key, quote=True)
        self.data = data


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
    """Compact JSON for inline <script>: ``<``, ``>`` and ``&`` escaped so no value can close
    the tag, U+2028/U+2029 escaped for old JavaScript parsers, and a ``{`` that starts
    ``{{``, ``{%`` or ``{#`` escaped (branca renders each script piece again as a Jinja
    template: a firm called ``{{ … }}`` must stay text)."""
    text = (
        json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return _JINJA_OPEN.sub(r"\\u007b", text)
