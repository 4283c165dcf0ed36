"""Bar charts and heat maps the browser draws: small HTML tables in the page's own font, printable.

The town briefing's plain bar charts (its top terms, its key terms, its
figures against the median) are HTML rather than pictures.  Nothing is laid
out in Python: a matplotlib bar chart costs 0.2–0.5 s to lay out and encode,
three of them were most of a town page; here a chart is a few kilobytes of
markup.  The words are the page's text (the embedded CJK font, sharp at any
zoom, found by the browser's search), and the bars are spans with a
background colour that the chart's own style asks the browser to print.

``BarChart`` is what is drawn, as a table (``rows``: label, value, share,
side, color, text, cut; largest first, the order on the page) and a title
and a note; it shows itself as HTML in a notebook and in a briefing.
``ChartGrid`` puts several side by side (small multiples: the word-frequency
briefing's top terms and key terms of each town, which as matplotlib panels
took 0.5–1.7 s to lay out), and charts of points too (``svg.PointChart``).
``HeatTable`` (made by ``heat_table``) is a heat map as a table of coloured
cells, each in the colour matplotlib's ``imshow`` gives it, its number
written on it, the scale under it (03's maps, 07's topic shares).
``framed`` puts a chart's title, empty sentence and note around it.
The charts themselves live with their matplotlib siblings, in the module of
their subject (``frequency.terms_bar_html``, ``frequency.keyness_bar_html``,
``profile.ratio_chart_html``, ``themes.theme_heatmap_html``), and choose
their rows with the same helpers.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..tables import records
from .style import NO_DATA, described

ROW_COLUMNS = ["label", "value", "share", "side", "color", "text", "cut"]
CUT_SHARE = 0.92  # a cut bar: this much in its colour, the rest lighter ("goes on")

# The chart's own style, inside its output: the same look in JupyterLab (no
# briefing template there) and in a briefing; bars print (print-color-adjust).
# Its table is laid out by its content (table-layout: auto; JupyterLab's style,
# which the briefings' pages keep, fixes every table's columns by its first row,
# and a label longer than that column ran under the bars).
STYLE = """<style>
table.analysis-bars { border-collapse: collapse; table-layout: auto; margin: .2rem 0 .3rem; width: 100%; max-width: 52em; font-size: 13px; }
table.analysis-bars th, table.analysis-bars td { border: none; padding: 1px 0; line-height: 1.35; vertical-align: middle; }
table.analysis-bars th { text-align: right; font-weight: normal; white-space: nowrap; padding-right: .6em; width: 1%; }
table.analysis-bars thead th { color: #555; font-size: 12px; }
table.analysis-bars td.analysis-bar { width: 60%; text-align: left; }
table.analysis-bars td.analysis-bar-left { width: 30%; text-align: right; border-right: 1px solid #333; }
table.analysis-bars td.analysis-bar-right { width: 30%; text-align: left; }
table.analysis-bars td.analysis-bar-text { text-align: left; white-space: nowrap; padding-left: .6em; color: #333; font-size: 12px; }
table.analysis-bars span { display: inline-block; height: .95em; vertical-align: middle; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
p.analysis-bars-title { font-weight: bold; margin: .6rem 0 .2rem; }
p.analysis-bars-note { color: #555; font-size: 12px; margin: .1rem 0 1rem; }
@media print { table.analysis-bars tr { break-inside: avoid; } table.analysis-bars th { white-space: nowrap !important; } }
</style>"""


def lighter(color: str, amount: float = 0.55) -> str:
    """*color* (``#rrggbb``) mixed with white: *amount* 0 gives the colour, 1 white."""
    rgb = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02x}" for c in rgb)


def bar_rows(rows: list[dict]) -> pd.DataFrame:
    """A chart's rows as a table of ``ROW_COLUMNS`` (shares clipped to 0–1)."""
    table = pd.DataFrame(rows, columns=ROW_COLUMNS)
    table["share"] = table["share"].astype(float).clip(0.0, 1.0)
    table["cut"] = table["cut"].astype(bool)
    return table


@dataclass(eq=False, repr=False)
class BarChart:
    """A bar chart as HTML: one row per bar, the largest first.

    *rows* has ``ROW_COLUMNS``: the label, the value it stands for, the
    bar's length as a share of the widest (0–1), its side (``right``, or
    ``left`` of the zero line of a *diverging* chart), colour, the text
    written beside it and whether it was cut (drawn full length, its end
    lighter).  An empty chart says *empty* instead.
    """

    rows: pd.DataFrame
    title: str | None = None
    note: str | None = None
    label_header: str = ""
    value_header: str = ""
    diverging: bool = False
    empty: str = NO_DATA

    def _bar(self, share: float, color: str, cut: bool) -> str:
        if share <= 0:
            return ""
        if not cut:
            return f'<span style="width: {100 * share:.2f}%; background-color: {color}"></span>'
        solid, rest = 100 * share * CUT_SHARE, 100 * share * (1 - CUT_SHARE)
        return (
            f'<span style="width: {solid:.2f}%; background-color: {color}"></span>'
            f'<span style="width: {rest:.2f}%; background-color: {lighter(color)}"></span>'
        )

    styles = (STYLE,)  # what its HTML needs (``ChartGrid`` gives each once)

    def to_html(self) -> str:
        """The chart as an HTML fragment: its style, title, table of bars and note."""
        return f"{STYLE}\n{self.body()}"

    def body(self) -> str:
        """The chart without its style (``ChartGrid`` gives the style once for all its charts)."""
        return framed(self.title, self.note, self.empty, None if self.rows.empty else self._table)

    def _table(self) -> str:
        parts = ['<table class="analysis-bars">']
        if self.label_header or self.value_header:
            middle = "<th></th><th></th>" if self.diverging else "<th></th>"
            parts.append(
                f"<thead><tr><th>{html.escape(self.label_header)}</th>{middle}"
                f'<th style="text-align: left">{html.escape(self.value_header)}</th></tr></thead>'
            )
        parts.append("<tbody>")
        for row in records(self.rows):
            bar = self._bar(float(row.share), str(row.color), bool(row.cut))
            if self.diverging:
                left, right = (bar, "") if row.side == "left" else ("", bar)
                cells = f'<td class="analysis-bar-left">{left}</td><td class="analysis-bar-right">{right}</td>'
            else:
                cells = f'<td class="analysis-bar">{bar}</td>'
            parts.append(
                f'<tr><th>{html.escape(str(row.label))}</th>{cells}<td class="analysis-bar-text">{html.escape(str(row.text))}</td></tr>'
            )
        parts.append("</tbody></table>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return described("条形图", self.title, len(self.rows), "项")


# Small multiples: the charts side by side, as many a row as the page is wide
# (three on a printed A4 page, one on a phone); a chart is never cut by a page break.
GRID_STYLE = """<style>
div.analysis-chart-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(16em, 1fr)); column-gap: 2em; max-width: 64em; }
div.analysis-chart-grid > div { min-width: 0; break-inside: avoid; }
div.analysis-chart-grid table.analysis-bars { font-size: 12px; }
div.analysis-chart-grid.analysis-wide { grid-template-columns: repeat(auto-fill, minmax(26em, 1fr)); max-width: 72em; }
</style>"""


@dataclass(eq=False, repr=False)
class ChartGrid:
    """Charts side by side, one per group: bar charts (``frequency.terms_facets_html``, ``keyness_facets_html``) or
    charts of points (``svg.PointChart``: ``talk.network_facets_html``), *wide* for the latter (two a row on A4).

    *title* above them (how many groups are shown, when some were left out),
    *note* below; no chart says *empty*.
    """

    charts: list
    title: str | None = None
    note: str | None = None
    empty: str = NO_DATA
    wide: bool = False

    def to_html(self) -> str:
        """The charts as one HTML fragment: each style once, the title, the grid, the note."""
        parts = [*dict.fromkeys([STYLE, *(style for chart in self.charts for style in chart.styles)]), GRID_STYLE]
        if self.title:
            parts.append(f'<p class="analysis-bars-title">{_lines(self.title)}</p>')
        if not self.charts:
            parts.append(f'<p class="analysis-bars-note">{html.escape(self.empty)}</p>')
            return "\n".join(parts)
        parts.append('<div class="analysis-chart-grid analysis-wide">' if self.wide else '<div class="analysis-chart-grid">')
        parts += [f"<div>{chart.body()}</div>" for chart in self.charts]
        parts.append("</div>")
        if self.note:
            parts.append(f'<p class="analysis-bars-note">{_lines(self.note)}</p>')
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return described("图组", self.title, len(self.charts), "幅")


# A heat map as a table: each cell's colour is its value's, its number written on it; the colours print.
HEAT_STYLE = """<style>
table.analysis-heat { border-collapse: collapse; table-layout: auto; margin: .2rem 0 .3rem; font-size: 12px; }
table.analysis-heat th, table.analysis-heat tbody td { border: 1px solid #fff; padding: 2px 5px; line-height: 1.3; text-align: center; }
table.analysis-heat thead th { font-weight: normal; color: #333; max-width: 6em; vertical-align: bottom; }
table.analysis-heat tbody th { font-weight: normal; text-align: right; white-space: nowrap; }
table.analysis-heat td, span.analysis-heat-key { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
table.analysis-heat td { min-width: 2.6em; }
span.analysis-heat-key { display: inline-block; padding: 0 .5em; margin-right: 1px; }
@media print { table.analysis-heat tr { break-inside: avoid; } table.analysis-heat tbody th { white-space: nowrap !important; } }
</style>"""


@dataclass(eq=False, repr=False)
class HeatTable:
    """A heat map as HTML: a table whose cells are coloured by their values, each number written on its cell.

    *colors* and *texts* have the rows and columns of the map (index and
    columns: the labels): each cell's ``#rrggbb`` ('' for no value) and the
    number written on it; a cell is written in white where *dark*.  *key* is
    the scale under the map: (colour, number, dark) from the lowest to the
    highest.  *corner* names the rows (乡镇, 报告).  No row says *empty*.
    """

    colors: pd.DataFrame
    texts: pd.DataFrame
    dark: pd.DataFrame
    key: list[tuple[str, str, bool]]
    title: str | None = None
    note: str | None = None
    key_label: str = ""
    corner: str = ""
    empty: str = NO_DATA

    styles = (STYLE, HEAT_STYLE)

    def _table(self) -> str:
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.colors.columns)
        parts = ['<table class="analysis-heat">', f"<thead><tr><th>{html.escape(self.corner)}</th>{head}</tr></thead>", "<tbody>"]
        for label, colors, texts, dark in zip(
            self.colors.index, self.colors.to_numpy(), self.texts.to_numpy(), self.dark.to_numpy(), strict=True
        ):
            cells = "".join(
                f'<td style="background-color: {c}; color: {_ink(d)}; text-align: center">{html.escape(str(t))}</td>' if c else "<td></td>"
                for c, t, d in zip(colors, texts, dark, strict=True)
            )
            parts.append(f"<tr><th>{html.escape(str(label))}</th>{cells}</tr>")
        parts.append("</tbody></table>")
        if self.key:
            swatches = "".join(
                f'<span class="analysis-heat-key" style="background-color: {c}; color: {_ink(d)}">{html.escape(t)}</span>'
                for c, t, d in self.key
            )
            parts.append(f'<p class="analysis-bars-note">{html.escape(self.key_label)}：{swatches}</p>')
        return "\n".join(parts)

    def body(self) -> str:
        """The map without its style."""
        return framed(self.title, self.note, self.empty, None if self.colors.empty or self.colors.columns.empty else self._table)

    def to_html(self) -> str:
        """The map as an HTML fragment: its styles, title, table, scale and note."""
        return "\n".join([*self.styles, self.body()])

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return described("热力表", self.title, len(self.colors), "行")


def heat_table(
    shown: pd.DataFrame,
    *,
    title: str,
    cmap: str,
    vmin: float | None,
    vmax: float | None,
    fmt: str,
    key_label: str,
    corner: str,
    empty: str = NO_DATA,
) -> HeatTable:
    """*shown* (numbers; index and columns: the labels) as a ``HeatTable``: each cell coloured as matplotlib's
    ``imshow`` with *cmap* colours it (from *vmin* to *vmax*, the data's own where None), its number written in
    *fmt*, white on a cell past 0.6 of the largest magnitude; under it the scale, five steps, each number once.
    With no cell, the sentence *empty*."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize, to_hex

    if shown.empty or shown.columns.empty:
        nothing = pd.DataFrame()
        return HeatTable(nothing, nothing, nothing, [], title=title, empty=empty)
    values = shown.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    norm = Normalize(
        vmin=vmin if vmin is not None else (finite.min() if finite.size else 0.0),
        vmax=vmax if vmax is not None else (finite.max() if finite.size else 1.0),
    )
    colors = np.array([to_hex(c) for c in colormaps[cmap](norm(np.nan_to_num(values.ravel())))], dtype=object).reshape(values.shape)
    high = np.abs(finite).max() if finite.size else 0

    def frame(cells) -> pd.DataFrame:
        return pd.DataFrame(cells, index=[str(i) for i in shown.index], columns=[str(c) for c in shown.columns])

    texts = frame([[format(v, fmt) if np.isfinite(v) else "" for v in row] for row in values])
    dark = frame(np.abs(np.nan_to_num(values)) > 0.6 * high if high else np.zeros(values.shape, dtype=bool))
    # the scale: five steps from the lowest colour to the highest, each in the colour of the number written on it, once
    # (a map counting 0–3 shows 0, 1, 2, 3)
    key: dict[str, tuple[str, bool]] = {}
    for step in np.linspace(norm.vmin, norm.vmax, 5):
        text = format(step, fmt)
        shown_value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
        key.setdefault(text, (to_hex(colormaps[cmap](norm(shown_value))), bool(high) and abs(shown_value) > 0.6 * high))
    cells = frame(np.where(np.isfinite(values), colors, ""))
    return HeatTable(
        cells, texts, dark, [(c, t, d) for t, (c, d) in key.items()], title=title, key_label=key_label, corner=corner, empty=empty
    )


def _ink(dark: bool) -> str:
    """The colour of a number written on a coloured cell: white on a dark one."""
    return "#ffffff" if dark else "#000000"


def framed(title: str | None, note: str | None, empty: str, drawing) -> str:
    """A chart's HTML without its style: its title, then *drawing()* (None: the sentence *empty*), then its note."""
    parts = [f'<p class="analysis-bars-title">{_lines(title)}</p>'] if title else []
    if drawing is None:
        return "\n".join([*parts, f'<p class="analysis-bars-note">{html.escape(empty)}</p>'])
    parts.append(drawing())
    if note:
        parts.append(f'<p class="analysis-bars-note">{_lines(note)}</p>')
    return "\n".join(parts)


def _lines(text: str) -> str:
    return "<br>".join(html.escape(line) for line in str(text).split("\n"))
