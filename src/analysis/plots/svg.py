"""Charts of points the browser draws: a network or a scatter as inline SVG, its words in the page's own font.

The structure-of-talk briefing's co-occurrence networks and correspondence
biplots are SVG rather than pictures.  matplotlib took 0.9 s to lay out,
draw and encode the briefing's two networks of the five reports (text
metrics for every label, a tight layout, a PNG); here the positions are
those the matplotlib figures use (the seeded network layout, the biplot's
coordinates), mapped onto the chart's box, and the browser draws the dots,
lines and words.  The words are the page's text: the embedded CJK font,
sharp at any zoom and on paper, found by the browser's search.

``PointChart`` is what is drawn: a table of points (``POINT_COLUMNS``: where,
how large, which colour and mark, the word beside it and where) and a table
of lines (``LINE_COLUMNS``), in data units, with a title, a note and
optional axes (the zero lines and the axes' names of a biplot).  It shows
itself as HTML in a notebook and in a briefing, alone or in a
``ChartGrid``.  The charts themselves live with their matplotlib siblings
(``talk.network_chart_html``, ``talk.biplot_html``).
"""

from __future__ import annotations

import html
import math
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from ..tables import records
from .html import STYLE as BAR_STYLE
from .html import framed
from .style import NO_DATA, described

POINT_COLUMNS = ["x", "y", "radius", "color", "opacity", "mark", "label", "label_color", "label_dx", "label_dy", "anchor"]
LINE_COLUMNS = ["x1", "y1", "x2", "y2", "width", "color", "opacity"]
MARKS = ("circle", "triangle")
PX_PER_PT = 100 / 72  # the charts are sized as the matplotlib figures they replace, shown at 100 dpi
FONT_PX = 9 * PX_PER_PT  # the words: 9 pt, as on those figures
AXIS_FONT_PX = 10 * PX_PER_PT
PAD_PX = 4  # around the drawing, beyond its farthest dot or word

# The chart's own style, inside its output (JupyterLab has no briefing template): as drawn, narrower
# when the page is; never cut by a page break.  The drawing's own attributes are only those the
# briefings' output cleaner keeps (``briefings.pages.SVG_ATTRIBUTES``).
SVG_STYLE = """<style>
figure.analysis-points { margin: .2rem 0 .3rem; break-inside: avoid; }
figure.analysis-points svg { display: block; max-width: 100%; height: auto; }
</style>"""
TEXT_COLOR = "#222222"


def text_width(text: str, size: float) -> float:
    """About how wide *text* is at *size* px: a CJK character an em, another character 0.6 em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.6 * size for ch in str(text))


def point_rows(rows: list[dict]) -> pd.DataFrame:
    """A chart's points as a table of ``POINT_COLUMNS`` (a mark outside ``MARKS`` is a circle)."""
    table = pd.DataFrame(rows, columns=POINT_COLUMNS)
    table["mark"] = table["mark"].where(table["mark"].isin(MARKS), "circle")
    return table


def line_rows(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=LINE_COLUMNS)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass(eq=False, repr=False)
class PointChart:
    """Points and lines as SVG, the data mapped onto a *width* × *height* px box.

    *points* has ``POINT_COLUMNS``: x and y in data units, the radius in
    px, colour and opacity, the mark (``circle`` or ``triangle``), the word
    written (empty: none), its colour, its offset from the point in px and
    its anchor (``middle``: centred on the point; ``start``: beginning at the
    offset).  *lines* has ``LINE_COLUMNS`` (ends in data units, width in px).
    *equal*: a unit is as long across as up (a network); otherwise each axis
    fills its side (a scatter).  *margin* is added to the data's range on
    each side, as a share of it.  *x_label*, *y_label*: the axes' names, with
    the zero lines (a biplot).  The picture is what is drawn, every dot and
    word whole, and no more.  No point says *empty*.
    """

    points: pd.DataFrame
    lines: pd.DataFrame = field(default_factory=lambda: line_rows([]))
    title: str | None = None
    note: str | None = None
    width: float = 900
    height: float = 700
    equal: bool = True
    margin: float = 0.08
    x_label: str | None = None
    y_label: str | None = None
    empty: str = NO_DATA

    styles = (BAR_STYLE, SVG_STYLE)  # the title and note as the bar charts'; the SVG's own

    def _mapping(self):
        xs = pd.concat([self.points["x"], self.lines["x1"], self.lines["x2"]]).astype(float)
        ys = pd.concat([self.points["y"], self.lines["y1"], self.lines["y2"]]).astype(float)
        x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
        if self.x_label is not None:  # a biplot shows its origin
            x0, x1, y0, y1 = min(x0, 0.0), max(x1, 0.0), min(y0, 0.0), max(y1, 0.0)
        dx, dy = (x1 - x0) or 1.0, (y1 - y0) or 1.0
        x0, x1, y0, y1 = x0 - self.margin * dx, x1 + self.margin * dx, y0 - self.margin * dy, y1 + self.margin * dy
        sx, sy = self.width / (x1 - x0), self.height / (y1 - y0)
        if self.equal:
            sx = sy = min(sx, sy)
        left = (self.width - sx * (x1 - x0)) / 2
        top = (self.height - sy * (y1 - y0)) / 2

        def at(x: float, y: float) -> tuple[float, float]:
            return left + sx * (float(x) - x0), self.height - top - sy * (float(y) - y0)

        return at, (x0, x1, y0, y1)

    def svg(self) -> str:
        """The drawing: lines, then points, then their words; axes first when named."""
        at, (x0, x1, y0, y1) = self._mapping()
        shapes: list[str] = []
        box = [math.inf, math.inf, -math.inf, -math.inf]  # left, top, right, bottom of what is drawn

        def hold(left: float, top: float, right: float, bottom: float) -> None:
            box[0], box[1], box[2], box[3] = min(box[0], left), min(box[1], top), max(box[2], right), max(box[3], bottom)

        if self.x_label is not None:
            (ax0, ay), (ax1, _) = at(x0, 0.0), at(x1, 0.0)
            (bx, by0), (_, by1) = at(0.0, y0), at(0.0, y1)
            shapes.append(f'<line x1="{_num(ax0)}" y1="{_num(ay)}" x2="{_num(ax1)}" y2="{_num(ay)}" stroke="#999" stroke-width="0.7"/>')
            shapes.append(f'<line x1="{_num(bx)}" y1="{_num(by0)}" x2="{_num(bx)}" y2="{_num(by1)}" stroke="#999" stroke-width="0.7"/>')
            below = self.height + AXIS_FONT_PX * 1.6
            shapes.append(
                f'<text x="{_num(self.width / 2)}" y="{_num(below)}" text-anchor="middle" font-size="{_num(AXIS_FONT_PX)}" fill="{TEXT_COLOR}">'
                f"{html.escape(self.x_label)}</text>"
            )
            hold(0, 0, self.width, below + AXIS_FONT_PX * 0.4)
            if self.y_label is not None:
                aside = -AXIS_FONT_PX * 1.2
                shapes.append(
                    f'<text x="{_num(aside)}" y="{_num(self.height / 2)}" text-anchor="middle" dominant-baseline="central" '
                    f'font-size="{_num(AXIS_FONT_PX)}" fill="{TEXT_COLOR}" '
                    f'transform="rotate(-90 {_num(aside)} {_num(self.height / 2)})">{html.escape(self.y_label)}</text>'
                )
                hold(aside - AXIS_FONT_PX * 0.7, 0, self.width, self.height)  # turned on its side, centred on *aside*
        for line in records(self.lines):
            (a, b), (c, d) = at(line.x1, line.y1), at(line.x2, line.y2)
            hold(min(a, c), min(b, d), max(a, c), max(b, d))
            shapes.append(
                f'<line x1="{_num(a)}" y1="{_num(b)}" x2="{_num(c)}" y2="{_num(d)}" stroke="{line.color}" '
                f'stroke-width="{_num(line.width)}" stroke-opacity="{line.opacity}" stroke-linecap="round"/>'
            )
        words: list[str] = []
        for point in records(self.points):
            x, y = at(point.x, point.y)
            r = float(point.radius)
            if point.mark == "triangle":
                corners = " ".join(
                    f"{_num(x + r * math.cos(math.radians(a)))},{_num(y - r * math.sin(math.radians(a)))}" for a in (90, 210, 330)
                )
                shapes.append(f'<polygon points="{corners}" fill="{point.color}" fill-opacity="{point.opacity}"/>')
            else:
                shapes.append(
                    f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}" fill="{point.color}" fill-opacity="{point.opacity}" '
                    'stroke="white" stroke-width="1.4"/>'
                )
            hold(x - r, y - r, x + r, y + r)
            label = "" if point.label is None or pd.isna(point.label) else str(point.label)
            if label:
                tx, ty = x + float(point.label_dx), y + float(point.label_dy)
                wide = text_width(label, FONT_PX)
                start = tx - wide / 2 if point.anchor == "middle" else tx
                hold(start, ty - FONT_PX * 0.6, start + wide, ty + FONT_PX * 0.6)
                words.append(
                    f'<text x="{_num(tx)}" y="{_num(ty)}" text-anchor="{point.anchor}" dominant-baseline="central" '
                    f'font-size="{_num(FONT_PX)}" fill="{point.label_color}">{html.escape(label)}</text>'
                )
        left, top, right, bottom = box[0] - PAD_PX, box[1] - PAD_PX, box[2] + PAD_PX, box[3] + PAD_PX
        width, height = right - left, bottom - top
        name = html.escape(self.title or "", quote=True)
        return (
            f'<svg viewBox="{_num(left)} {_num(top)} {_num(width)} {_num(height)}" width="{_num(width)}" height="{_num(height)}" '
            f'role="img" aria-label="{name}">' + "".join(shapes) + "".join(words) + "</svg>"
        )

    def body(self) -> str:
        """The chart without its style (``ChartGrid`` gives the style once for all its charts)."""
        return framed(
            self.title,
            self.note,
            self.empty,
            None if self.points.empty else lambda: f'<figure class="analysis-points">{self.svg()}</figure>',
        )

    def to_html(self) -> str:
        """The chart as an HTML fragment: its style, title, drawing and note."""
        return "\n".join([*self.styles, self.body()])

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return described("点图", self.title, len(self.points), "个点")
