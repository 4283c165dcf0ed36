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
    plt.rcParams["svg.hashsalt"] = "analysis"
    return name


# ---------------------------------------------------------------- the font cut down for a page
#
# Cutting the CJK font (65,000 glyphs) down to a page's characters takes about
# two seconds, most of it reading the full font.  A run that writes many pages
# first cuts it once to every character the run can show (``write_run_font``:
# the reports, the notebooks, the lexicons, the package's own labels) and
# points ``ANALYSIS_RUN_FONT`` at that file; each page is then cut from it,
# about three times faster, giving the same bytes (the glyphs kept and their
# order are the same).  A page with a character outside it is cut from the
# full font.

RUN_FONT_ENV = "ANALYSIS_RUN_FONT"


def _cut(source, chars: str) -> bytes:
    import io
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    options = subset.Options()
    options.layout_features = []  # horizontal text only: no substitution tables (4× faster, half the size)
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx"]
    font = TTFont(source, lazy=True, recalcTimestamp=False, recalcBBoxes=False)  # same bytes for the same text
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def page_font(text: str) -> bytes:
    """The CJK font cut down to the characters of *text* (OpenType bytes), from the run's font when it has them all."""
    chars = "".join(sorted(set(text) - {"\n", "\r", "\t"}))
    run = _run_font(os.environ.get(RUN_FONT_ENV, ""))
    if run is not None and set(chars) <= run[1]:
        import io

        return _cut(io.BytesIO(run[0]), chars)
    return _cut(str(font_path()), chars)


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


def write_run_font(texts, path: str | os.PathLike[str]) -> Path:
    """Cut the CJK font down to every character of *texts* (and printable ASCII) into *path* (+ ``.chars``)."""
    from .output import write_atomic

    chars = set().union(*map(set, texts)) | {chr(c) for c in range(0x20, 0x7F)}
    chars = "".join(sorted(chars - {"\n", "\r", "\t"}))
    path = Path(path)
    write_atomic(path, _cut(str(font_path()), chars))
    write_atomic(path.with_suffix(".chars"), chars)
    return path
