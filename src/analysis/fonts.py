"""The CJK font of every figure and word cloud.

The font is Noto Sans CJK SC as shipped by the PyPI package ``mplfonts``
(installed with the package, so no system font is needed).  Set
``ANALYSIS_CJK_FONT`` to the path of another .otf/.ttf to use that instead.

This module sits below the stages: the figures (``analysis.plots``), the word
clouds, the notebook set-up (``display.setup_notebook``) and the briefings'
embedded font all take the font from here.  matplotlib is imported only when
a figure is first set up, so the table stages stay free of it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from .errors import AnalysisError


@lru_cache(maxsize=1)
def font_path() -> Path:
    """Path of the CJK font used for every figure and word cloud."""
    override = os.environ.get("ANALYSIS_CJK_FONT")
    if override:
        path = Path(override)
        if not path.is_file():
            raise AnalysisError(f"ANALYSIS_CJK_FONT={override}: no such font file")
        return path
    try:
        import mplfonts
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise AnalysisError("the CJK font package 'mplfonts' is not installed: run `make install`") from exc
    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    if not path.is_file():
        raise AnalysisError(f"{path}: the CJK font shipped by mplfonts is missing; reinstall mplfonts")
    return path


@lru_cache(maxsize=1)
def use_cjk_font() -> str:
    """Register the CJK font with matplotlib and make it the default; returns its name."""
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    path = font_path()
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["text.parse_math"] = False  # labels come from reports and file names: '$…$' in them is text, not a formula
    plt.rcParams["svg.hashsalt"] = "analysis"
    _draw_once_in_notebooks()
    return name


def _draw_once_in_notebooks() -> None:
    """In a Jupyter kernel with the inline backend, each figure is drawn once, when its cell ends.

    pyplot's own hook (``post_execute``) draws every changed figure after a
    cell, and then the inline backend draws it again into the PNG it shows:
    a third of a figure's time, 0.3 s for a figure of 01 at 1,000 reports.
    The inline backend alone still shows every figure; elsewhere (a plain
    Python prompt, a GUI window) nothing changes.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebooks
        return
    if get_ipython() is not None and "inline" in matplotlib.get_backend():
        choose = getattr(plt, "_get_backend_mod", None)  # pyplot installs its hook when it loads the backend: load it first
        if choose is not None:
            choose()
            plt.uninstall_repl_displayhook()


# ---------------------------------------------------------------- the font cut down for a page
#
# A run that writes many pages first cuts the CJK font (65,000 CFF glyphs)
# once, with fontTools, to every character the run can show (``write_run_font``:
# the reports, the notebooks, the lexicons, the package's own labels), with the
# outlines converted to TrueType quadratic curves (within 1/1000 em), and points
# ``ANALYSIS_RUN_FONT`` at that file; each page is then cut from it by HarfBuzz
# (``_page_cut``, under a millisecond; fontTools took about two seconds from
# the full font, 23 ms from the run font), and its word clouds drawn from it.
# The run font is kept under ``.cache/analysis/fonts`` by its characters, so a
# run on the same corpus makes none.  A page with a character outside it is
# cut from the full font, as without a run font.

RUN_FONT_ENV = "ANALYSIS_RUN_FONT"
# Besides the run's own text, the run font has the characters a page's frame can
# show (nbconvert's ¶ anchors, pandas' and the templates' symbols): ASCII,
# Latin-1, general punctuation, arrows, mathematical operators, CJK symbols and
# full-width forms (the characters of these the font lacks are skipped).
EXTRA_RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2190, 0x21FF), (0x2200, 0x22FF), (0x3000, 0x303F), (0xFF00, 0xFFEF))

# The word clouds of a run are drawn with a third cut, ``run-….otf`` beside the run
# font: the same characters with the font's own CFF outlines, hints and layout
# tables, so FreeType draws every glyph to the same pixels as from the full font.
# It opens in a quarter of the time and holds a sixth of the memory per size
# (0.17 ms and 0.5 MB against 0.76 ms and 3 MB; wordcloud opens a size for every
# size it tries), which takes a town's cloud from 0.37 to 0.22 s.
DRAWING_SUFFIX = ".otf"


def _cut(source, chars: str, *, shaping: bool = False) -> bytes:
    """The font *source* (a path or a binary file) cut down to *chars*: OpenType bytes, the same for the same input.

    Without *shaping* the layout tables are dropped (a page's font: horizontal
    text, 4× faster to cut, half the size); with it they are kept, so text is
    laid out as with the full font.
    """
    import io
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    options = subset.Options()
    if shaping:
        options.layout_features = ["*"]
    else:
        options.layout_features = []
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx"]
    font = TTFont(source, lazy=True, recalcTimestamp=False, recalcBBoxes=False)  # same bytes for the same text
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


# A page's cut drops what a page never uses, as ``_cut`` without shaping does: the layout tables.
PAGE_DROPPED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx")


@lru_cache(maxsize=2)
def _face(path: str):
    """The font at *path* opened once by HarfBuzz (the run font from the bytes ``_run_font`` holds)."""
    import uharfbuzz as hb

    run = _run_font(path) if path != str(font_path()) else None
    return hb.Face(hb.Blob(run[0] if run is not None else Path(path).read_bytes()))


def _page_cut(path: str, chars: str) -> bytes:
    """The font at *path* cut down to *chars* for a page, by HarfBuzz's subsetter (uharfbuzz).

    The same tables and glyphs as ``_cut`` without shaping (fontTools), in
    0.4 ms instead of 23 for a town page from the run font: 8 s of a core in a
    build of 1,000 reports.  The same input gives the same bytes.
    """
    import uharfbuzz as hb

    wanted = hb.SubsetInput()
    wanted.unicode_set.update(map(ord, chars))
    dropped = wanted.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    for tag in PAGE_DROPPED_TABLES:
        dropped.add(int.from_bytes(tag.ljust(4).encode("ascii"), "big"))
    cut = hb.subset(_face(path), wanted)
    if cut is None:  # pragma: no cover - HarfBuzz failed on a font fontTools may still read
        raise AnalysisError(f"{path}: the font could not be cut down for a page")
    return bytes(cut.blob.data)


def page_font(text: str) -> tuple[bytes, str]:
    """The CJK font cut down to the characters of *text*: (bytes, CSS format), from the run font when it has them all."""
    chars = "".join(sorted(set(text) - {"\n", "\r", "\t"}))
    path = os.environ.get(RUN_FONT_ENV, "")
    run = _run_font(path)
    if run is not None and set(chars) <= run[1]:
        return _page_cut(path, chars), "truetype"
    return _page_cut(str(font_path()), chars), "opentype"


@lru_cache(maxsize=2)
def _run_font(path: str) -> tuple[bytes, frozenset[str]] | None:
    """(font bytes, its characters) of the run font at *path*, or None when there is none."""
    if not path:
        return None
    font, chars = Path(path), Path(path).with_suffix(".chars")
    try:
        return font.read_bytes(), frozenset(chars.read_text(encoding="utf-8"))
    except OSError:
        return None


def _run_chars(texts) -> str:
    chars = set().union(*map(set, texts)) | {chr(c) for start, end in EXTRA_RANGES for c in range(start, end + 1)}
    return "".join(sorted(chars - {"\n", "\r", "\t"}))


def _run_font_path(chars: str) -> Path:
    """Where the run font of *chars* is kept: under ``config.FONT_CACHE_DIR`` by a hash of the characters and the font."""
    import hashlib

    from . import config

    source = font_path()
    stat = source.stat()
    key = hashlib.sha256(f"{source}\0{stat.st_size}\0{stat.st_mtime_ns}\0{chars}".encode()).hexdigest()[:24]
    return config.FONT_CACHE_DIR / f"run-{key}.ttf"


def _complete(path: Path) -> bool:
    """The run font at *path* is there with its characters and its drawing cut."""
    return path.is_file() and path.with_suffix(".chars").is_file() and path.with_suffix(DRAWING_SUFFIX).is_file()


def made_run_font(texts) -> Path | None:
    """The path of ``write_run_font(texts)`` when it is already made (nothing to cut); None otherwise."""
    path = _run_font_path(_run_chars(texts))
    return path if _complete(path) else None


def write_run_font(texts, path: str | os.PathLike[str] | None = None) -> Path:
    """The CJK font cut down to every character of *texts* and of ``EXTRA_RANGES``, as TrueType; its path.

    Kept under ``config.FONT_CACHE_DIR`` by a hash of the characters and
    the font (or written to *path*), with the characters beside it (``.chars``)
    and the same cut with CFF outlines for drawing (``drawing_font``).
    """
    import io

    from .output import write_atomic

    chars = _run_chars(texts)
    path = Path(path) if path is not None else _run_font_path(chars)
    if _complete(path):
        return path
    drawing = path.with_suffix(DRAWING_SUFFIX)
    if drawing.is_file():
        shaped = drawing.read_bytes()
    else:
        shaped = _cut(str(font_path()), chars, shaping=True)
        write_atomic(drawing, shaped)
    # Cut from the drawing cut, which holds the same glyphs: the same bytes as from the full font, in two thirds of the time.
    write_atomic(path, _truetype(_cut(io.BytesIO(shaped), chars)))
    write_atomic(path.with_suffix(".chars"), chars)
    return path


def drawing_font(text: str, font: Path | None = None) -> Path:
    """The file to draw *text* in *font* (default ``font_path()``) from: the run's CFF cut when it can stand in.

    That is during a run of briefings (``ANALYSIS_RUN_FONT`` set), for the
    package's font, when the run font has every character of *text*; the
    pixels are the same as from the full font.  Otherwise *font* itself.
    """
    font = font or font_path()
    path = os.environ.get(RUN_FONT_ENV, "")
    if not path or font != font_path():
        return font
    run, drawing = _run_font(path), Path(path).with_suffix(DRAWING_SUFFIX)
    if run is not None and drawing.is_file() and set(text) - {"\n", "\r", "\t"} <= run[1]:
        return drawing
    return font


def _truetype(data: bytes) -> bytes:
    """A CFF-flavoured OpenType font with its outlines as TrueType quadratic curves (fontTools' otf2ttf recipe)."""
    import io

    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(io.BytesIO(data), recalcTimestamp=False)
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    maxp.maxSizeOfInstructions = 0
    maxp.maxComponentElements = max((len(g.components) for g in glyf.glyphs.values() if hasattr(g, "components")), default=0)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font.sfntVersion = "\x00\x01\x00\x00"
    font["head"].glyphDataFormat = 0
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()
