"""The report's pictures: Vega-Lite specs built with altair, drawn as SVG by vl-convert (offline).

German labels and number/date formats (vl-convert's de-DE locales). Each picture is readable without
colour: the map tells unconfirmed hubs by shape and prints each hub's count, the timelines are one small
panel per hub, the heat map prints its numbers in the cells. `svg()` adds a <title> and <desc> and
role="img" so a screen reader announces what the picture shows; the report adds the data as a table.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any, Literal

import altair as alt

FONT = "Helvetica, Arial, sans-serif"
INK, MUTED, LAND = "#1f2933", "#52606d", "#d9e2ec"
KNOWN, UNCONFIRMED = "#1565c0", "#c62828"
Rows = Sequence[dict[str, Any]]


def _config(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return chart.configure(font=FONT).configure_view(stroke=None).configure_axis(labelColor=INK)


LAND_CELL = (0.2, 0.3)  # degrees latitude, longitude of a background cell (about 22 km square)


def hub_map(locations: Rows, land: Rows, *, title: str) -> dict[str, Any]:
    """Hub cities as circles sized by announcements (triangles: unconfirmed hubs), over Germany drawn as
    the grid cells that hold a municipality (`land`: latitude, longitude). Each hub is labelled once with
    its count (`label`, empty for a twin hub's second city), left of its point when a neighbour's label
    would sit there (Potsdam beside Berlin)."""
    projection = alt.Projection(type="mercator")
    grid = (
        alt.Chart(alt.Data(values=list(land)))
        .mark_square(size=300, color=LAND, opacity=1)
        .encode(longitude="longitude:Q", latitude="latitude:Q")
    )
    points = alt.Data(values=list(locations))
    status = alt.Scale(domain=["bekannt", "unbestätigt"], range=["circle", "triangle-up"])
    hubs = (
        alt.Chart(points)
        .mark_point(filled=True, opacity=0.85, stroke="white", strokeWidth=1)
        .encode(
            longitude="longitude:Q",
            latitude="latitude:Q",
            size=alt.Size("announcements:Q", title="Meldungen", scale=alt.Scale(range=[40, 1400], zero=True)),
            shape=alt.Shape("status:N", title="Status", scale=status),
            color=alt.Color(
                "status:N",
                title="Status",
                scale=alt.Scale(domain=["bekannt", "unbestätigt"], range=[KNOWN, UNCONFIRMED]),
            ),
        )
    )
    layers = [grid, hubs]
    sides: tuple[tuple[str, Literal["left", "right"], int], ...] = (
        ("right", "left", 10),
        ("left", "right", -10),
    )
    for side, align, dx in sides:
        layers.append(
            alt.Chart(points)
            .transform_filter(alt.datum.side == side)
            .mark_text(align=align, dx=dx, dy=-7, fontSize=11, color=INK)
            .encode(longitude="longitude:Q", latitude="latitude:Q", text="label:N")
        )
    chart = alt.layer(*layers).properties(
        width=460, height=560, projection=projection, title=title, description=title
    )
    return _config(chart).to_dict()


def label_sides(locations: Rows) -> list[dict[str, Any]]:
    """Each labelled point gets `side` "left" when another labelled point lies just east of it."""
    labelled = [r for r in locations if r.get("label")]
    placed = []
    for row in locations:
        crowded = any(
            0 < other["longitude"] - row["longitude"] < 1.2 and abs(other["latitude"] - row["latitude"]) < 0.4
            for other in labelled
            if other is not row
        )
        placed.append(dict(row, side="left" if crowded else "right"))
    return placed


def hub_timeline(months: Rows, *, title: str) -> dict[str, Any]:
    """One small bar chart per hub (most covered first): announcements per month (`month` = YYYY-MM-01)."""
    order = _by_total(months, "hub")
    chart = (
        alt.Chart(alt.Data(values=list(months)))
        .mark_bar(color=KNOWN)
        .encode(
            x=alt.X("utcyearmonth(month):T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0)),
            y=alt.Y("announcements:Q", title=None, axis=alt.Axis(tickCount=2, format="d")),
            row=alt.Row(
                "hub:N",
                sort=order,
                title=None,
                header=alt.Header(labelAngle=0, labelAlign="left", labelFontSize=11, labelColor=INK),
            ),
        )
        .properties(width=520, height=34, title=title, description=title)
    )
    return _config(chart).configure_facet(spacing=6).to_dict()


def sector_heatmap(pairs: Rows, *, title: str) -> dict[str, Any]:
    """Sector × hub: cells shaded by announcements, the number printed in each (readable without colour)."""
    base = alt.Chart(alt.Data(values=list(pairs))).encode(
        x=alt.X("hub:N", title="Hub", sort=_by_total(pairs, "hub"), axis=alt.Axis(labelAngle=-40)),
        y=alt.Y("sector:N", title="Branche", sort=_by_total(pairs, "sector")),
    )
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color("announcements:Q", title="Meldungen", scale=alt.Scale(scheme="oranges"))
    )
    numbers = base.mark_text(fontSize=11).encode(
        text="announcements:Q",
        color=alt.condition(alt.datum.announcements > _dark_above(pairs), alt.value("white"), alt.value(INK)),
    )
    chart = (cells + numbers).properties(
        width=alt.Step(44), height=alt.Step(24), title=title, description=title
    )
    return _config(chart).configure_scale(bandPaddingInner=0.05).to_dict()


def _by_total(rows: Rows, key: str) -> list[str]:
    totals: dict[str, int] = {}
    for row in rows:
        totals[row[key]] = totals.get(row[key], 0) + int(row["announcements"])
    return sorted(totals, key=lambda k: (-totals[k], k))


def _dark_above(rows: Rows) -> float:
    """Counts above this get white digits: they sit on the darker half of the colour scale."""
    return max((int(r["announcements"]) for r in rows), default=0) / 2


SVG_OPEN = re.compile(r"<svg\b([^>]*)>")


def svg(spec: dict[str, Any], *, title: str, description: str) -> str:
    """The spec drawn as SVG with German formats, announced to screen readers by its title and description."""
    import vl_convert

    drawn = vl_convert.vegalite_to_svg(spec, format_locale="de-DE", time_format_locale="de-DE")
    label = f"<title>{html.escape(title)}</title><desc>{html.escape(description)}</desc>"
    return SVG_OPEN.sub(lambda m: f'<svg{m.group(1)} role="img" focusable="false">{label}', drawn, count=1)
