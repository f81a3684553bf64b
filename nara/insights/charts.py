"""Charts for the dashboards: server-rendered SVG from matplotlib, inlined in the page.

Each function takes plain numbers and labels and returns SVG markup (a string) that:

- keeps text as text (`svg.fonttype = none`), so figures can be read, searched and printed;
- carries a <title> and a <desc> and role="img", for screen readers (the numbers themselves
  are in the table beside every chart);
- means nothing by colour alone: lines have different markers and dash styles and are labelled
  at their last point, bars carry their value, the map has a legend with numbers;
- is deterministic (`svg.hashsalt`, no date) with ids prefixed by the chart's key, so several
  charts can share a page;
- uses presentation attributes instead of `style=""`: the workspace's Content-Security-Policy
  (`style-src 'self'`) would drop inline styles.

Rendering costs tens of milliseconds, so `render()` caches the markup in the Django cache keyed
by a hash of the chart's data: identical data is never rendered twice. matplotlib is imported
only when a chart is actually drawn.
"""

import hashlib
import io
import json
import math
import re

from django.core.cache import cache
from django.utils.html import escape

CACHE_SECONDS = 24 * 3600
VERSION = "1"  # bump when the drawing code changes: old cached markup is then not used
WIDTH, HEIGHT = 6.4, 3.2  # inches at 72 pt: 460 × 230 px, scaled down by CSS on a phone
# Okabe–Ito colours: distinguishable with colour-blindness; markers and dashes carry meaning too.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00"]
MARKERS = ["o", "s", "^", "D", "v"]
DASHES = ["-", "--", ":", "-."]


def cache_key(kind, data):
    digest = hashlib.sha256(
        json.dumps([VERSION, kind, data], sort_keys=True, default=str).encode()
    ).hexdigest()
    return f"nara-chart-{digest[:40]}"


def render_many(charts):
    """{name: (kind, data)} → {name: svg}; one cache read for all, only misses are drawn."""
    keys = {name: cache_key(kind, data) for name, (kind, data) in charts.items()}
    found = cache.get_many(list(keys.values()))
    drawn = {}
    result = {}
    for name, (kind, data) in charts.items():
        key = keys[name]
        if key not in found:
            found[key] = drawn[key] = DRAW[kind](key=key[-10:], **data)
        result[name] = found[key]
    if drawn:
        cache.set_many(drawn, CACHE_SECONDS)
    return result


def render(kind, **data):
    return render_many({"chart": (kind, data)})["chart"]


# Drawing ----------------------------------------------------------------------------------


def _figure(width=WIDTH, height=HEIGHT):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig


def _finish(fig, *, key, title, desc):
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": key}):
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return _inline(buffer.getvalue(), key=key, title=title, desc=desc)


STYLE_ATTR = re.compile(r'style="([^"]*)"')
OPEN_SVG = re.compile(r"<svg\b[^>]*>")


def _attributes(match):
    parts = []
    for declaration in match.group(1).split(";"):
        name, _sep, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if name and value and re.fullmatch(r"[a-z-]+", name):
            parts.append(f'{name}="{value}"')
    return " ".join(parts)


def _inline(svg, *, key, title, desc):
    """matplotlib's standalone SVG made fit for inlining in a strict-CSP HTML page."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'<style type="text/css">.*?</style>', "", svg, flags=re.S)
    svg = STYLE_ATTR.sub(_attributes, svg)
    prefix = f"c{key}-"
    svg = svg.replace('id="', f'id="{prefix}').replace("url(#", f"url(#{prefix}")
    svg = svg.replace('xlink:href="#', f'xlink:href="#{prefix}')
    opening = OPEN_SVG.search(svg).group(0)
    labelled = opening[:-1] + (
        f' class="chart" role="img" aria-labelledby="{prefix}title {prefix}desc"'
        ' preserveAspectRatio="xMinYMin meet">'
    )
    labelled = re.sub(r'\s(width|height)="[^"]*"', "", labelled)
    heading = (
        f'<title id="{prefix}title">{escape(title)}</title>'
        f'<desc id="{prefix}desc">{escape(desc)}</desc>'
    )
    return svg.replace(opening, labelled + heading, 1).strip()


def _number(value):
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}".replace(".", ",")
    return f"{int(value):,}".replace(",", "\u00a0")


def _style_axes(ax):
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#cccccc", linewidth=0.6)
    ax.set_axisbelow(True)


def line_chart(*, key, title, desc, labels, series, y_label="", size=None):
    """Lines over the same x labels, e.g. this year against last: series = [(name, [values])],
    None = no value for that month. Each line has its own marker and dash and its name and last
    value written at its end. `size`: (width, height) in inches, e.g. smaller for paper."""
    fig = _figure(*(size or (WIDTH, HEIGHT)))
    ax = fig.add_subplot()
    x = list(range(len(labels)))
    for i, (name, values) in enumerate(series):
        points = [(xi, v) for xi, v in zip(x, values, strict=True) if v is not None]
        if not points:
            continue
        xs, ys = zip(*points, strict=True)
        ax.plot(
            xs,
            ys,
            color=COLOURS[i % len(COLOURS)],
            marker=MARKERS[i % len(MARKERS)],
            linestyle=DASHES[i % len(DASHES)],
            linewidth=1.8,
            label=name,
        )
        ax.annotate(
            f"{name}: {_number(ys[-1])}",
            (xs[-1], ys[-1]),
            xytext=(4, 0),
            textcoords="offset points",
            fontsize=8,
            va="center",
        )
    step = max(1, math.ceil(len(labels) / 12))
    ax.set_xticks(x[::step], labels[::step], fontsize=8, rotation=45 if step > 1 else 0)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(y_label, fontsize=9)
    ax.set_title(title, fontsize=10)
    if len(series) > 1:
        ax.legend(fontsize=8, frameon=False)
    _style_axes(ax)
    return _finish(fig, key=key, title=title, desc=desc)


def funnel_chart(*, key, title, desc, steps, width=WIDTH):
    """A funnel: one centred horizontal bar per step (widest first), labelled with the step's
    name, its count and its share of the first step."""
    fig = _figure(width=width, height=0.45 * max(len(steps), 1) + 0.8)
    ax = fig.add_subplot()
    top = max([n for _name, n in steps] + [1])
    first = steps[0][1] if steps else 0
    for i, (name, n) in enumerate(steps):
        y = len(steps) - 1 - i
        ax.barh(y, n, left=(top - n) / 2, height=0.8, color=COLOURS[0], alpha=1 - 0.15 * i)
        share = f" ({round(100 * n / first)} %)" if first and i else ""
        ax.text(
            top / 2,
            y,
            f"{name}: {_number(n)}{share}",
            ha="center",
            va="center",
            fontsize=9,
            color="#000000",
            bbox={"facecolor": "#ffffff", "edgecolor": "none", "pad": 1},
        )
    ax.set_xlim(0, top)
    ax.set_ylim(-0.6, len(steps) - 0.4)
    ax.axis("off")
    ax.set_title(title, fontsize=10)
    return _finish(fig, key=key, title=title, desc=desc)


def scatter(*, key, title, desc, points, x_label, y_label):
    """points = [(label, x, y)]: each point is labelled with its name (not only a colour)."""
    fig = _figure(height=3.6)
    ax = fig.add_subplot()
    shown = [(label, x, y) for label, x, y in points if x is not None and y is not None]
    if shown:
        ax.scatter([p[1] for p in shown], [p[2] for p in shown], color=COLOURS[0], marker="o")
        for label, x, y in shown[:40]:  # more labels than that are unreadable: the table has all
            ax.annotate(label, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=7)
    ax.set_xlabel(x_label, fontsize=9)
    ax.set_ylabel(y_label, fontsize=9)
    ax.set_title(title, fontsize=10)
    _style_axes(ax)
    return _finish(fig, key=key, title=title, desc=desc)


def _rings(geometry):
    """Outer rings of a GeoJSON Polygon or MultiPolygon as lists of (lon, lat)."""
    kind = (geometry or {}).get("type")
    coordinates = (geometry or {}).get("coordinates") or []
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    return [polygon[0] for polygon in polygons if polygon and polygon[0]]


def _geometries(area_ids):
    from nara.core.models import Area

    from .db import reporting_alias

    rows = Area.objects.using(reporting_alias()).filter(pk__in=area_ids)
    return dict(rows.values_list("pk", "geometry"))


def choropleth(*, key, title, desc, areas, legend, geometry_version=None):
    """areas = [(label, area id, value or None)]: the areas' polygons (GeoJSON lon/lat, read
    only when drawing; `geometry_version` in the data makes a changed map a new chart) shaded
    by value in five light-to-dark classes whose ranges the legend states in numbers; no
    value = hatched."""
    from matplotlib.patches import Patch, Polygon

    shapes = _geometries([area_id for _label, area_id, _v in areas])
    areas = [(label, shapes.get(area_id), value) for label, area_id, value in areas]

    fig = _figure(height=4.2)
    ax = fig.add_subplot()
    values = sorted(v for _label, _g, v in areas if v is not None)
    shades = ["#f0f0f0", "#c6dbef", "#6baed6", "#2171b5", "#08306b"]
    bounds = []
    if values:
        low, high = values[0], values[-1]
        bounds = [low + (high - low) * i / len(shades) for i in range(len(shades) + 1)]

    def shade(value):
        if value is None or not bounds:
            return None
        for i in range(len(shades)):
            if value <= bounds[i + 1]:
                return shades[i]
        return shades[-1]

    lat_mid = []
    for _label, geometry, value in areas:
        colour = shade(value)
        for ring in _rings(geometry):
            ax.add_patch(
                Polygon(
                    ring,
                    closed=True,
                    facecolor=colour or "#ffffff",
                    hatch=None if colour else "///",
                    edgecolor="#333333",
                    linewidth=0.5,
                )
            )
            lat_mid.extend(point[1] for point in ring)
    ax.autoscale_view()
    if lat_mid:  # lon/lat drawn with the right aspect at this latitude
        ax.set_aspect(1 / math.cos(math.radians(sum(lat_mid) / len(lat_mid))))
    ax.axis("off")
    handles = (
        [
            Patch(
                facecolor=shades[i],
                edgecolor="#333333",
                label=f"{_number(bounds[i])}–{_number(bounds[i + 1])}",
            )
            for i in range(len(shades))
        ]
        if bounds
        else []
    )
    handles.append(
        Patch(facecolor="#ffffff", hatch="///", edgecolor="#333333", label=legend["none"])
    )
    ax.legend(
        handles=handles,
        title=legend["title"],
        fontsize=7,
        title_fontsize=8,
        loc="center left",
        bbox_to_anchor=(1, 0.5),
        frameon=False,
    )
    ax.set_title(title, fontsize=10)
    return _finish(fig, key=key, title=title, desc=desc)


DRAW = {
    "line": line_chart,
    "funnel": funnel_chart,
    "scatter": scatter,
    "choropleth": choropleth,
}
