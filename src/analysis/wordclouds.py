"""Word clouds in the project's CJK font, fed with the package's own counts.

wordcloud never tokenises here: it is given frequencies (``generate_from_frequencies``)
made by ``analysis.frequency`` from jieba tokens, with ``collocations`` off,
stopwords applied again, the font of ``analysis.fonts.font_path()`` and a
fixed ``random_state`` (``config.RANDOM_SEED``), so the same counts give the
same picture.  Every cloud is checked against the font's character map: a
word whose characters the font cannot draw is reported, never shown as boxes.

cloud            one WordCloud from a counts table or a {term: weight} mapping
cloud_figure     a figure of one cloud (the corpus, a report)
cloud_image      one cloud as a picture (SVG, the words as text in the font), no figure around it (the town briefing)
cloud_svg        a generated cloud as SVG, its font inside
cloud_grid       one cloud per report or group, side by side (capped at max_panels)
cloud_grid_html  the same as pictures the browser puts side by side (the word-frequency briefing)
comparison_cloud one circle cut into sectors, each group's over-used terms in its sector
comparison_cloud_image  the same as a picture (SVG, the words and names as text in the font): the word-frequency briefing
"""

from __future__ import annotations

import html
import io
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from wordcloud import WordCloud

from . import cloudlayout, config
from .errors import AnalysisError, OptionError
from .fonts import drawing_font, font_path, use_cjk_font
from .frequency import FrequencyWarning, largest_groups
from .lexicon import stopwords
from .plots import no_data
from .plots.style import group_parts, shown_of
from .tokenize import lexicon_terms

# Distinct, print-safe colours for the groups of a comparison cloud (tab10).
GROUP_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
EMPTY_MESSAGE = "没有可绘制的词语"
# Words are placed on a canvas DRAW_SCALE times smaller, then drawn at full size (wordcloud's ``scale``): the
# search costs about 1/DRAW_SCALE² of the full canvas's.  The gap kept around each word (MARGIN_PX) and the
# smallest word (MIN_FONT_PX) are in full-size pixels.  At 3 the placement is coarser than a glyph's own
# pixels, so the gap is 6 pixels, not wordcloud's 2: with less, words drawn at full size touch (a few dozen
# pixels shared in a town's cloud, none with 6; ``test_no_two_words_of_a_cloud_overlap``).
DRAW_SCALE = 3
MARGIN_PX = 6
MIN_FONT_PX = 6


def _warn(message: str, *, stacklevel: int = 3) -> None:
    """Warn at the line that called the public function (*stacklevel* one more for each helper in between)."""
    warnings.warn(message, FrequencyWarning, stacklevel=stacklevel)


def frequencies(
    table: pd.DataFrame | Mapping[str, float],
    *,
    value: str = "count",
    top: int | None = None,
    extra_stopwords: Sequence[str] = (),
) -> dict[str, float]:
    """{term: weight} from a counts table (or mapping), stopwords removed, largest first.

    The stopwords of ``analysis.lexicon.stopwords`` are dropped (lexicon terms
    are kept, as in ``tokenize``), and *extra_stopwords* always; weights ≤ 0
    are dropped; ties are broken by the term so the order is fixed.
    """
    if isinstance(table, pd.DataFrame):
        if table.empty:
            return {}
        summed = table.groupby("token", sort=False)[value].sum()
        pairs = list(zip(summed.index.tolist(), summed.to_numpy(dtype="float64")))
    else:
        pairs = [(str(k), float(v)) for k, v in table.items()]
    stop = stopwords(extra=tuple(extra_stopwords))
    keep_anyway = lexicon_terms()
    extra = set(extra_stopwords)
    pairs = [(t, w) for t, w in pairs if w > 0 and t not in extra and (t in keep_anyway or t not in stop)]
    pairs.sort(key=lambda p: (-p[1], p[0]))
    if top is not None:
        pairs = pairs[:top]
    return dict(pairs)


@lru_cache(maxsize=4)
def _cmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    font = TTFont(path, lazy=True, fontNumber=0)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def missing_glyphs(words: Sequence[str] | str, *, font: str | Path | None = None) -> list[str]:
    """Characters of *words* that *font* (default: the project's CJK font) has no glyph for."""
    cmap = _cmap(str(font or font_path()))
    text = words if isinstance(words, str) else "".join(words)
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})


def drawn_words(wc: WordCloud) -> list[str]:
    """The words a generated WordCloud actually placed, largest first."""
    return [word for (word, _), *_ in wc.layout_]


def cloud(
    table: pd.DataFrame | Mapping[str, float],
    *,
    value: str = "count",
    max_words: int = 100,
    width: int = 800,
    height: int = 500,
    extra_stopwords: Sequence[str] = (),
    colormap: str = "viridis",
    mask: np.ndarray | None = None,
    max_font_size: int | None = None,
    color: str | None = None,
) -> WordCloud:
    """A generated ``wordcloud.WordCloud`` of the terms in *table* (a counts table or mapping).

    Raises AnalysisError when there is no word to draw.  *color* paints every
    word in one colour (comparison clouds); otherwise *colormap* is used.
    """
    freqs = frequencies(table, value=value, top=max_words, extra_stopwords=extra_stopwords)
    if not freqs:
        raise AnalysisError("no words to draw: the counts are empty after stopwords")
    # The words are placed on a canvas DRAW_SCALE times smaller and drawn at full size (wordcloud's
    # ``scale``); the canvas is rounded up, so the picture is at least width × height (cut to it by ``cloud_image``).
    font = drawing_font("".join(freqs), font_path())  # in a run, its cut of the font: the same pixels, cheaper sizes
    options = dict(
        font_path=str(font),
        width=max(1, -(-width // DRAW_SCALE)),
        height=max(1, -(-height // DRAW_SCALE)),
        scale=DRAW_SCALE,
        max_words=max_words,
        background_color="white",
        colormap=colormap,
        random_state=config.RANDOM_SEED,
        collocations=False,
        stopwords=set(),
        regexp=None,
        prefer_horizontal=1.0,  # CJK words turned on their side are hard to read
        margin=max(1, round(MARGIN_PX / DRAW_SCALE)),
        mask=None if mask is None else mask[::DRAW_SCALE, ::DRAW_SCALE],
        min_font_size=max(1, -(-MIN_FONT_PX // DRAW_SCALE)),
    )
    if color is not None:
        options["color_func"] = lambda *args, **kwargs: color
    elif isinstance(colormap, str) and colormap in colormaps:
        options["color_func"] = cloudlayout.colormap_colors(colormap)  # wordcloud's colours, looked up (a matplotlib call a word)
    wc = WordCloud(**options)
    with cloudlayout.fast_layout():
        wc.generate_from_frequencies(freqs, max_font_size=None if max_font_size is None else max(1, max_font_size // DRAW_SCALE))
    bad = missing_glyphs(drawn_words(wc), font=font)
    if bad:
        _warn(f"the font {font_path().name} has no glyph for {''.join(bad)}: those characters are drawn as boxes")
    return wc


def _warn_if_empty(table: pd.DataFrame | Mapping[str, float]) -> None:
    if isinstance(table, pd.DataFrame) and table.empty or not len(table):
        _warn("the word cloud is empty: no terms to draw")


def _draw(ax, table, title: str | None, **options) -> None:
    try:
        wc = cloud(table, **options)
    except AnalysisError:
        no_data(EMPTY_MESSAGE, ax=ax)
    else:
        with cloudlayout.fast_layout():
            image = wc.to_array()
        ax.imshow(image, interpolation="bilinear")
        ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=12)


def cloud_figure(
    table: pd.DataFrame | Mapping[str, float],
    *,
    title: str | None = None,
    max_words: int = 150,
    width: int = 1000,
    height: int = 600,
    **options,
) -> Figure:
    """A matplotlib figure of one word cloud (an empty table gives a figure that says so)."""
    use_cjk_font()
    _warn_if_empty(table)
    fig, ax = plt.subplots(figsize=(width / 100, height / 100))
    _draw(ax, table, title, max_words=max_words, width=width, height=height, **options)
    fig.tight_layout()
    return fig


# zlib's level for a cloud's PNG: 1 encodes a 1000 × 600 cloud in 17 ms instead of 29 (level 6, PIL's
# default) for a file 4 % larger (228 against 220 KB, eight town clouds).
PNG_COMPRESS_LEVEL = 1
CLOUD_FONT_FAMILY = "AnalysisCloud"  # the family name of the font cut a cloud's SVG carries inside it


def cloud_svg(wc: WordCloud, *, width: int, height: int) -> str:
    """A generated cloud as SVG: wordcloud's own ``to_svg`` (each word placed where ``to_image`` draws it), cut to
    *width* × *height*, with the font inside, cut to the cloud's characters.

    The browser draws the picture from the same font: the same words at the
    same places, sharp at any size and on paper.  The font travels inside the SVG because a picture cannot use its
    page's fonts, and a notebook in JupyterLab has none of the package's.
    """
    import re

    from .fonts import font_face

    with cloudlayout.fast_layout():
        drawn = wc.to_svg()
    words = "".join(word for (word, _), *_ in wc.layout_)
    header = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<style>{font_face(words, CLOUD_FONT_FAMILY)}</style>"
    )
    svg, found = re.subn(r"\A<svg [^>]*>", lambda _: header, drawn, count=1)
    svg, styled = re.subn(r"text\{font-family:[^;]*;", lambda _: f"text{{font-family:{CLOUD_FONT_FAMILY};", svg, count=1)
    if not found or not styled:  # pragma: no cover - a wordcloud whose SVG no longer starts as 1.9's does
        raise AnalysisError("wordcloud's to_svg wrote an SVG this package does not know how to give its font")
    return svg


@dataclass(frozen=True, repr=False)
class CloudImage:
    """A word cloud as a picture, shown as such in a notebook and a briefing; or, empty, the sentence saying so.

    ``svg`` the picture (``cloud_svg``: the words as text in the font, inside;
    None when there was nothing to draw), ``width`` × ``height`` its size,
    ``words`` the words placed, largest first, ``message`` what an empty
    cloud says.  ``to_png()`` draws the same cloud as a PNG (wordcloud's
    pixels), for a file.
    """

    svg: str | None
    words: tuple[str, ...] = ()
    message: str = ""
    width: int = 0
    height: int = 0
    cloud: WordCloud | None = field(default=None, compare=False)

    def img_tag(self, alt: str = "词云") -> str:
        """The picture as an HTML ``<img>`` of its own size (the SVG base64-encoded in the tag)."""
        import base64

        data = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        return f'<img src="data:image/svg+xml;base64,{data}" width="{self.width}" height="{self.height}" alt="{html.escape(alt)}">'

    def to_png(self) -> bytes | None:
        """The cloud as a PNG of its size, as wordcloud draws it (None for an empty cloud)."""
        if self.cloud is None:
            return None
        with cloudlayout.fast_layout():
            image = self.cloud.to_image().crop((0, 0, self.width, self.height))  # the canvas was rounded up to a multiple of DRAW_SCALE
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
        return buffer.getvalue()

    def _repr_html_(self) -> str:
        return self.img_tag() if self.svg else f"<p>{html.escape(self.message)}</p>"

    def __repr__(self) -> str:  # the notebook's plain-text fallback: no bytes
        return f"词云（{len(self.words)} 个词）" if self.svg else self.message


def cloud_image(
    table: pd.DataFrame | Mapping[str, float],
    *,
    max_words: int = 150,
    width: int = 1000,
    height: int = 600,
    **options,
) -> CloudImage:
    """One word cloud as a *width* × *height* picture (``cloud_svg``), straight from wordcloud's layout.

    The same cloud as ``cloud_figure`` gives with the same options, without
    the figure's margins and title: a briefing showing one cloud uses this.
    No pixels are drawn or encoded: the words go into the picture as text in
    the font, which the browser draws (about a third of a town's cloud was
    drawing it at full size and encoding the PNG).  An empty table gives the
    sentence ``EMPTY_MESSAGE``.
    """
    _warn_if_empty(table)
    try:
        wc = cloud(table, max_words=max_words, width=width, height=height, **options)
    except AnalysisError:
        return CloudImage(None, (), EMPTY_MESSAGE)
    return CloudImage(cloud_svg(wc, width=width, height=height), tuple(drawn_words(wc)), width=width, height=height, cloud=wc)


def _pick_groups(table: pd.DataFrame, by: str, groups: Sequence[object] | None, max_panels: int) -> tuple[list[object], int]:
    """Groups to draw: those asked for, else the largest (by counted tokens), at most *max_panels*."""
    if table.empty:
        return [], 0
    if groups is None:
        chosen = largest_groups(table, by=by)
    else:
        present = set(table[by].tolist())
        chosen = [g for g in groups if g in present]
        absent = [g for g in groups if g not in present]
        if absent:
            _warn(f"no terms for {by} = {', '.join(map(str, absent))}: left out of the figure")
    return chosen[:max_panels], len(chosen)


def cloud_grid(
    counts: pd.DataFrame,
    *,
    by: str = "town",
    groups: Sequence[object] | None = None,
    max_panels: int = 12,
    ncols: int = 3,
    max_words: int = 60,
    **options,
) -> Figure:
    """One cloud per group of a ``counts(..., by=by)`` table, side by side.

    Shows *groups* (default: the groups with the most counted tokens), at
    most *max_panels* of them, so a corpus of a thousand reports still gives
    a readable grid; the title says how many were left out.
    """
    use_cjk_font()
    chosen, available = _grid_groups(counts, by, groups, max_panels, "cloud_grid")
    if not chosen:
        return no_data(EMPTY_MESSAGE, figsize=(6, 3))
    ncols = max(1, min(ncols, len(chosen)))
    nrows = math.ceil(len(chosen) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.0 * nrows), squeeze=False)
    for ax, group in zip(axes.flat, chosen):
        _draw(ax, counts[counts[by] == group], str(group), max_words=max_words, width=520, height=360, **options)
    for ax in list(axes.flat)[len(chosen) :]:
        ax.set_axis_off()
    if available > len(chosen):
        fig.suptitle(shown_of(len(chosen), available, "（按词数最多者）"), fontsize=11)
    fig.tight_layout()
    return fig


def _grid_groups(counts: pd.DataFrame, by: str, groups: Sequence[object] | None, max_panels: int, caller: str) -> tuple[list, int]:
    """The groups a grid of clouds shows and how many there were (``_pick_groups``); an error for a
    missing *by* column, a warning when there is nothing to draw."""
    if not counts.empty and by not in counts.columns:
        raise OptionError(f"{caller}(by={by!r}): the counts table has no column {by!r}; count with counts(terms, by={by!r})")
    chosen, available = _pick_groups(counts, by, groups, max_panels)
    if not chosen:
        _warn("the word-cloud grid is empty: no terms to draw")
    return chosen, available


# The clouds of a CloudGrid, side by side: as many a row as the page is wide, each under its caption,
# never cut by a page break.
GRID_STYLE = """<style>
div.analysis-cloud-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(15em, 1fr)); gap: .6em 1.5em; max-width: 64em; }
div.analysis-cloud-grid figure { margin: 0; min-width: 0; break-inside: avoid; }
div.analysis-cloud-grid img { display: block; width: 100%; height: auto; }
div.analysis-cloud-grid figcaption { text-align: center; font-size: 13px; margin-bottom: .2em; }
p.analysis-cloud-grid-title { font-weight: bold; margin: .6rem 0 .2rem; }
</style>"""


@dataclass(frozen=True, repr=False)
class CloudGrid:
    """Word clouds side by side, each a picture (``CloudImage``) under its caption, shown as HTML; or the sentence saying there is none.

    ``clouds`` (caption, ``CloudImage``) in the order shown, ``title`` above
    them (how many groups were left out), ``message`` what an empty grid says.
    """

    clouds: tuple[tuple[str, CloudImage], ...]
    title: str = ""
    message: str = ""

    def _repr_html_(self) -> str:
        if not self.clouds:
            return f"<p>{html.escape(self.message)}</p>"
        parts = [GRID_STYLE]
        if self.title:
            parts.append(f'<p class="analysis-cloud-grid-title">{html.escape(self.title)}</p>')
        parts.append('<div class="analysis-cloud-grid">')
        for caption, image in self.clouds:
            shown = html.escape(caption)
            if image.svg:
                picture = image.img_tag(alt=f"{caption}的词云")
            else:
                picture = f"<p>{html.escape(image.message)}</p>"
            parts.append(f"<figure><figcaption>{shown}</figcaption>{picture}</figure>")
        parts.append("</div>")
        return "\n".join(parts)

    def __repr__(self) -> str:  # the notebook's plain-text fallback
        return f"词云 {len(self.clouds)} 幅" if self.clouds else self.message


def cloud_grid_html(
    counts: pd.DataFrame,
    *,
    by: str = "town",
    groups: Sequence[object] | None = None,
    max_panels: int = 12,
    max_words: int = 60,
    width: int = 420,
    height: int = 300,
    **options,
) -> CloudGrid:
    """``cloud_grid`` as pictures the browser puts side by side: one *width* × *height* cloud per group, under its name.

    The same groups as ``cloud_grid`` (*groups*, else those with the most
    counted tokens, at most *max_panels*); each cloud is ``cloud_image`` of
    the group's counts.  No figure is laid out around them: a grid of twelve
    clouds saves about 0.6 s of drawing and encoding the figure.
    """
    chosen, available = _grid_groups(counts, by, groups, max_panels, "cloud_grid_html")
    if not chosen:
        return CloudGrid((), message=EMPTY_MESSAGE)
    clouds = tuple(
        (str(group), cloud_image(part, max_words=max_words, width=width, height=height, **options))
        for group, part in group_parts(counts, by, chosen)
    )
    title = shown_of(len(chosen), available, "（按词数最多者）") if available > len(chosen) else ""
    return CloudGrid(clouds, title=title)


def comparison_weights(
    counts: pd.DataFrame, *, by: str = "town", groups: Sequence[object] | None = None, value: str = "rate"
) -> pd.DataFrame:
    """The terms each group uses more than the groups' average, as R's ``comparison.cloud`` does.

    For every term: its rate in each group minus the mean rate over the
    groups; the term goes to the group where that excess is largest.
    Returns [by], token, weight (the excess), sorted by group, weight
    (descending) and token.
    """
    columns = [by, "token", "weight"]
    if counts.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "weight" else "object") for c in columns})
    table = counts if groups is None else counts[counts[by].isin(list(groups))]
    wide = table.pivot_table(index="token", columns=by, values=value, aggfunc="sum", fill_value=0.0)
    wide = wide.sort_index(axis=0).sort_index(axis=1)
    excess = wide.sub(wide.mean(axis=1), axis=0)
    best = excess.to_numpy().argmax(axis=1)
    weight = excess.to_numpy()[np.arange(len(excess)), best]
    out = pd.DataFrame({by: wide.columns.to_numpy()[best], "token": wide.index.to_numpy(), "weight": weight})
    out = out[out["weight"] > 0]
    return out.sort_values([by, "weight", "token"], ascending=[True, False, True], kind="mergesort").reset_index(drop=True)


@lru_cache(maxsize=4)
def _polar(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Each pixel's angle (0–2π, counter-clockwise from the right) and whether it is inside the inscribed circle.

    From a column of the rows' offsets and a row of the columns' (``np.ogrid``), broadcast, not two full grids
    (``np.mgrid``): the same arrays from fewer and smaller temporary ones (900 pixels square, the first call in
    a briefings worker: 9–62 ms against 36–180 ms, with the profiler on; their memory's first use is most of it).
    """
    y, x = np.ogrid[0:size, 0:size]
    cx = cy = (size - 1) / 2
    radius = size / 2 - 2
    dy, dx = cy - y, x - cx
    angle = np.mod(np.arctan2(dy, dx), 2 * np.pi)
    inside = dx**2 + dy**2 <= radius**2
    angle.flags.writeable = inside.flags.writeable = False  # kept for the next cloud of this size
    return angle, inside


def _sector_mask(size: int, start: float, stop: float) -> np.ndarray:
    """255 outside the sector [start, stop) radians of the inscribed circle, 0 inside."""
    angle, circle = _polar(size)
    inside = circle & (angle >= start) & (angle < stop)
    return np.where(inside, 0, 255).astype(np.uint8)


@dataclass(frozen=True, eq=False)
class _Sector:
    """One group's sector of a comparison cloud: the group, its colour, the sector's middle angle, its mask (0
    inside) and the cloud wordcloud laid out in it (None when nothing fits)."""

    group: object
    color: str
    middle: float
    mask: np.ndarray
    cloud: WordCloud | None


def _comparison_sectors(
    counts: pd.DataFrame, *, by: str, groups: Sequence[object] | None, max_groups: int, max_words: int, size: int
) -> tuple[list[_Sector], int]:
    """The sectors of a comparison cloud of *size* × *size* and the number of groups there were: each group's
    over-used terms (``comparison_weights``) laid out in its sector.  Fewer than two groups warn and give none."""
    chosen, available = _pick_groups(counts, by, groups, max_groups)
    if len(chosen) < 2:
        _warn("the comparison cloud needs terms from at least two groups", stacklevel=4)
        return [], available
    weights = comparison_weights(counts, by=by, groups=chosen)
    weights = weights.groupby(by, sort=False).head(max(1, max_words // len(chosen)))
    top = weights["weight"].max() if not weights.empty else 0
    step = 2 * np.pi / len(chosen)
    sectors = []
    for index, group in enumerate(chosen):
        start = np.pi / 2 + index * step
        mask = _sector_mask(size, start % (2 * np.pi), start % (2 * np.pi) + step)
        if start % (2 * np.pi) + step > 2 * np.pi:  # a sector across angle 0
            mask = np.minimum(_sector_mask(size, start % (2 * np.pi), 2 * np.pi), _sector_mask(size, 0, (start + step) % (2 * np.pi)))
        part = weights[weights[by] == group]
        color = GROUP_COLORS[index % len(GROUP_COLORS)]
        wc = None
        if not part.empty:
            font_size = max(14, int(size / 7 * part["weight"].max() / top))
            freqs = dict(zip(part["token"].tolist(), part["weight"].tolist()))
            try:
                wc = cloud(freqs, max_words=max_words, width=size, height=size, mask=mask, max_font_size=font_size, color=color)
            except (AnalysisError, ValueError):
                wc = None  # nothing fits in a narrow sector
            if wc is not None and not wc.layout_:
                wc = None  # nor here: wordcloud placed no word (a small circle)
        sectors.append(_Sector(group, color, start + step / 2, mask, wc))
    return sectors, available


COMPARISON_EMPTY = "比较词云至少需要两个组"
LABEL_RADIUS = 0.56  # a group's name stands this far from the circle's centre (× size), in its sector's middle


def _label_at(sector: _Sector, size: int) -> tuple[float, float]:
    return size / 2 + np.cos(sector.middle) * size * LABEL_RADIUS, size / 2 - np.sin(sector.middle) * size * LABEL_RADIUS


def _shown_groups(sectors: list[_Sector], available: int) -> str:
    return f"显示 {len(sectors)} / {available} 个组（按词数最多者）" if available > len(sectors) else ""


def comparison_cloud(
    counts: pd.DataFrame,
    *,
    by: str = "town",
    groups: Sequence[object] | None = None,
    max_groups: int = 8,
    max_words: int = 150,
    size: int = 900,
    title: str | None = None,
) -> Figure:
    """One circle, a sector per group, each holding the terms that group over-uses.

    *counts* is a ``counts(..., by=by)`` table; at most *max_groups* groups
    (default: the largest); word size is the excess rate, on one scale for
    all sectors.  Colours follow ``GROUP_COLORS``.  ``comparison_cloud_image``
    is the same cloud as a picture the browser draws.
    """
    use_cjk_font()
    sectors, available = _comparison_sectors(counts, by=by, groups=groups, max_groups=max_groups, max_words=max_words, size=size)
    fig, ax = plt.subplots(figsize=(size / 100, size / 100))
    if title:
        ax.set_title(title, fontsize=13)
    if not sectors:
        no_data(COMPARISON_EMPTY, ax=ax)
        return fig
    canvas = np.full((size, size, 3), 255, dtype=np.uint8)
    for sector in sectors:
        if sector.cloud is not None:
            inside = sector.mask == 0
            with cloudlayout.fast_layout():
                drawn = sector.cloud.to_array()
            canvas[inside] = drawn[:size, :size][inside]  # drawn at DRAW_SCALE: a size it does not divide is over
        x, y = _label_at(sector, size)
        ax.text(x, y, str(sector.group), color=sector.color, ha="center", va="center", fontsize=13)
    ax.imshow(canvas, interpolation="bilinear")
    ax.set_xlim(-size * 0.1, size * 1.1)
    ax.set_ylim(size * 1.1, -size * 0.1)
    ax.set_axis_off()
    note = _shown_groups(sectors, available)
    if note:
        fig.text(0.5, 0.02, note, ha="center", fontsize=10)
    return fig


# The comparison cloud's picture, in the circle's pixels (size 900: the figure's 9 inches at 100 dpi): the groups'
# names and the title as on the figure, about 13 pt, the note about 10 pt.
LABEL_SHARE = 0.024
NOTE_SHARE = 0.019
TEXT_INK = "#222222"


@dataclass(frozen=True, repr=False)
class ComparisonImage(CloudImage):
    """``comparison_cloud_image``: the sectors' clouds in one SVG, with the groups' names (*groups*, in the
    order of the sectors, counter-clockwise from the top).  There is no one wordcloud to draw as a PNG
    (``to_png`` gives None): ``comparison_cloud`` draws the same sectors as a figure."""

    groups: tuple[str, ...] = ()

    def img_tag(self, alt: str = "比较词云") -> str:
        return super().img_tag(alt)

    def __repr__(self) -> str:
        return f"比较词云（{len(self.groups)} 个组，{len(self.words)} 个词）" if self.svg else self.message


def comparison_cloud_image(
    counts: pd.DataFrame,
    *,
    by: str = "town",
    groups: Sequence[object] | None = None,
    max_groups: int = 8,
    max_words: int = 150,
    size: int = 900,
    title: str | None = None,
) -> ComparisonImage:
    """``comparison_cloud`` as a picture the browser draws: the same sectors and words, as SVG text in the font.

    Each sector's words are wordcloud's own SVG of its layout (``WordCloud.to_svg``: where ``comparison_cloud``
    paints them), the groups' names around the circle, *title* above and, when groups were left out, how many
    below; the font inside, cut to the picture's characters (as ``cloud_image``).  Shown *size* pixels wide.
    No pixels are drawn or encoded: the figure's PNG (1,350 pixels square at ``display.FIGURE_DPI``) took
    about half of the word-frequency briefing's cloud cell and a quarter of its page.
    """
    import re

    from .fonts import font_face
    from .plots.svg import text_width

    sectors, available = _comparison_sectors(counts, by=by, groups=groups, max_groups=max_groups, max_words=max_words, size=size)
    if not sectors:
        return ComparisonImage(None, message=COMPARISON_EMPTY)
    label_px, note_px = LABEL_SHARE * size, NOTE_SHARE * size
    words, texts = [], []
    for sector in sectors:
        if sector.cloud is not None:
            with cloudlayout.fast_layout():
                drawn = sector.cloud.to_svg()
            texts += re.findall(r"<text [^>]*>.*?</text>", drawn, flags=re.S)
            words += drawn_words(sector.cloud)
    # the frame: the circle with a tenth of its size around it, wider where a name reaches further; the title above
    reach = max(abs(_label_at(s, size)[0] - size / 2) + text_width(str(s.group), label_px) / 2 for s in sectors)
    side = max(0.1 * size, reach - size / 2 + label_px / 2)
    head = 2 * label_px if title else 0.0
    note = _shown_groups(sectors, available)
    foot = 2 * note_px if note else 0.0
    left, top, width, height = -side, -0.1 * size - head, size + 2 * side, 1.2 * size + head + foot

    def line(x: float, y: float, text: str, px: float, color: str) -> str:
        return (
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" dominant-baseline="central" font-size="{px:.1f}" '
            f'style="fill:{color}">{html.escape(text)}</text>'
        )

    marks = [line(*_label_at(s, size), str(s.group), label_px, s.color) for s in sectors]
    if title:
        marks.append(line(size / 2, top + label_px, title, label_px, TEXT_INK))
    if note:
        marks.append(line(size / 2, top + height - note_px, note, note_px, TEXT_INK))
    chars = "".join(words) + "".join(str(s.group) for s in sectors) + (title or "") + note
    shown_width, shown_height = size, round(height * size / width)
    svg = "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{shown_width}" height="{shown_height}" '
            f'viewBox="{left:.1f} {top:.1f} {width:.1f} {height:.1f}">',
            f"<style>{font_face(chars, CLOUD_FONT_FAMILY)}</style>",
            f"<style>text{{font-family:{CLOUD_FONT_FAMILY};font-weight:normal;font-style:normal;}}</style>",
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{width:.1f}" height="{height:.1f}" style="fill:white"></rect>',
            *texts,
            *marks,
            "</svg>",
        ]
    )
    return ComparisonImage(svg, tuple(words), width=shown_width, height=shown_height, groups=tuple(str(s.group) for s in sectors))
