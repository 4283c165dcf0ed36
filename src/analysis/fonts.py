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
