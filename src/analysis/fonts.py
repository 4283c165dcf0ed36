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

CJK_FONT_ENV = "ANALYSIS_CJK_FONT"  # another font's path


@lru_cache(maxsize=1)
def font_path() -> Path:
    """Path of the CJK font used for every figure and word cloud."""
    override = os.environ.get(CJK_FONT_ENV)
    if override:
        path = Path(override)
        if not path.is_file():
            raise AnalysisError(f"{CJK_FONT_ENV}={override}: no such font file")
        return path
    # found, not imported: importing mplfonts imports matplotlib (0.12–0.16 s), which a build's own process never needs
    from importlib.util import find_spec

    spec = find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a dependency of the package
        raise AnalysisError("the CJK font package 'mplfonts' is not installed: run `make install`")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "NotoSansCJKsc-Regular.otf"
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
# A run that writes many pages first cuts the CJK font (65,000 CFF glyphs, 16 MB)
# once, by HarfBuzz, to every character the run can show (``write_run_font``:
# the reports, the notebooks, the lexicons, the package's own labels), and
# points ``ANALYSIS_RUN_FONT`` at that file.  The cut keeps the font's own CFF
# outlines, hints and layout tables, so its word clouds are drawn from it to
# the same pixels as from the full font (``drawing_font``), and each page's font
# is cut from it (``_page_cut``, a few milliseconds).  The run font is kept
# under ``.cache/analysis/fonts`` by its characters, so a run on the same
# corpus makes none; a new corpus's takes about 50 ms, in the run's own process
# (fontTools took 3–4 s: a cut with layout tables, a second without, and the
# outlines converted to TrueType curves, for a page cut that fontTools made
# faster from TrueType).  A page or a word with a character outside the run
# font is cut or drawn from the full font, as without a run font.
#
# Drawn from the run font, a town's cloud takes 0.22 s instead of 0.37: FreeType
# opens a size of it in a quarter of the time and a sixth of the memory (0.17 ms
# and 0.5 MB against 0.76 ms and 3 MB), and wordcloud opens a size for every
# size it tries.

RUN_FONT_ENV = "ANALYSIS_RUN_FONT"
# Besides the run's own text, the run font has the characters a page's frame can
# show (nbconvert's ¶ anchors, pandas' and the templates' symbols): ASCII,
# Latin-1, general punctuation, arrows, mathematical operators, CJK symbols and
# full-width forms (the characters of these the font lacks are skipped).
EXTRA_RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2190, 0x21FF), (0x2200, 0x22FF), (0x3000, 0x303F), (0xFF00, 0xFFEF))
# Changed when the way the run font is cut changes, so a font cut the old way is not taken for it.
RUN_FONT_CUT = "harfbuzz-cff-layout-inlined"


# A page's cut drops what a page never uses: the layout tables (a page's text is horizontal).
PAGE_DROPPED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx")


@lru_cache(maxsize=2)
def _face(path: str):
    """The font at *path* opened once by HarfBuzz (the run font from the bytes ``_run_font`` holds)."""
    import uharfbuzz as hb

    run = _run_font(path) if path != str(font_path()) else None
    return hb.Face(hb.Blob(run[0] if run is not None else Path(path).read_bytes()))


def _subset(path: str, chars: str, *, dropped: tuple[str, ...] = (), inline: bool = False) -> bytes:
    """The font at *path* cut down to *chars* by HarfBuzz's subsetter (uharfbuzz), without the tables *dropped*.

    Outlines, hints and every other table are kept, cut to the glyphs of
    *chars* (and those the layout tables reach from them); with *inline*, the
    CFF subroutines are written into each glyph (the same outlines).  The same
    input gives the same bytes.
    """
    import uharfbuzz as hb

    wanted = hb.SubsetInput()
    wanted.unicode_set.update(map(ord, chars))
    if inline:
        wanted.flags = hb.SubsetFlags.DESUBROUTINIZE
    drop = wanted.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    for tag in dropped:
        drop.add(int.from_bytes(tag.ljust(4).encode("ascii"), "big"))
    cut = hb.subset(_face(path), wanted)
    if cut is None:  # pragma: no cover - HarfBuzz failed on a font other tools may still read
        raise AnalysisError(f"{path}: the font could not be cut down to {len(chars)} characters")
    return bytes(cut.blob.data)


def _page_cut(path: str, chars: str) -> bytes:
    """The font at *path* cut down to *chars* for a page, without layout tables: a few milliseconds from the run font."""
    return _subset(path, chars, dropped=PAGE_DROPPED_TABLES)


def page_font(text: str) -> bytes:
    """The CJK font cut down to the characters of *text* (OpenType with CFF outlines), from the run font when it has them all."""
    chars = "".join(sorted(set(text) - {"\n", "\r", "\t"}))
    path = os.environ.get(RUN_FONT_ENV, "")
    run = _run_font(path)
    return _page_cut(path if run is not None and set(chars) <= run[1] else str(font_path()), chars)


def font_face(text: str, family: str) -> str:
    """A CSS ``@font-face`` rule naming *family* the CJK font cut down to the characters of *text* (``page_font``),
    inside it as a ``data:`` URL: a briefing's page and a word cloud's SVG show their text in it, nothing fetched."""
    import base64

    encoded = base64.b64encode(page_font(text)).decode("ascii")
    return f'@font-face {{ font-family: "{family}"; src: url(data:font/otf;base64,{encoded}) format("opentype"); }}'


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
    """Every character of *texts* and of ``EXTRA_RANGES`` but line breaks and tabs, in code point order.

    Marked in a table of every code point, a text's characters at once (its
    UTF-32 code units are the indices): 18 ms for the 3 million characters of
    1,000 reports, against 0.32 s for a set of each text's characters.
    """
    import numpy as np

    seen = np.zeros(0x110000, dtype=bool)
    for text in texts:
        # surrogatepass: a lone surrogate (a file read with surrogateescape) is a code point like any other
        seen[np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)] = True
    for start, end in EXTRA_RANGES:
        seen[start : end + 1] = True
    seen[[ord(c) for c in "\n\r\t"]] = False
    return "".join(map(chr, np.flatnonzero(seen).tolist()))


def _run_font_path(chars: str) -> Path:
    """Where the run font of *chars* is kept: under ``config.FONT_CACHE_DIR`` by a hash of the characters, the font
    and the way it is cut (``RUN_FONT_CUT``)."""
    import hashlib

    from . import config

    source = font_path()
    stat = source.stat()
    key = hashlib.sha256(f"{source}\0{stat.st_size}\0{stat.st_mtime_ns}\0{RUN_FONT_CUT}\0{chars}".encode()).hexdigest()[:24]
    return config.FONT_CACHE_DIR / f"run-{key}.otf"


def _complete(path: Path) -> bool:
    """The run font at *path* is there with its characters."""
    return path.is_file() and path.with_suffix(".chars").is_file()


def write_run_font(texts, path: str | os.PathLike[str] | None = None) -> Path:
    """The CJK font cut down to every character of *texts* and of ``EXTRA_RANGES``, with its CFF outlines, hints
    and layout tables; its path.

    Kept under ``config.FONT_CACHE_DIR`` by a hash of the characters and the
    font (or written to *path*), with the characters beside it (``.chars``).
    About 50 ms for the five reports of ``data/raw`` (2,246 characters).
    """
    from .output import write_atomic

    chars = _run_chars(texts)
    path = Path(path) if path is not None else _run_font_path(chars)
    if _complete(path):
        return path
    # Subroutines inlined: a page's cut from it takes 2.3 ms instead of 3.1 and is 4 % smaller (116 against 120 KB).
    write_atomic(path, _subset(str(font_path()), chars, inline=True))
    write_atomic(path.with_suffix(".chars"), chars)  # written last: a font without it is not complete
    return path


def drawing_font(text: str, font: Path | None = None) -> Path:
    """The file to draw *text* in *font* (default ``font_path()``) from: the run font when it can stand in.

    That is during a run of briefings (``ANALYSIS_RUN_FONT`` set), for the
    package's font, when the run font has every character of *text*; the
    pixels are the same as from the full font.  Otherwise *font* itself.
    """
    font = font or font_path()
    path = os.environ.get(RUN_FONT_ENV, "")
    if not path or font != font_path():
        return font
    run = _run_font(path)
    if run is not None and set(text) - {"\n", "\r", "\t"} <= run[1]:
        return Path(path)
    return font
