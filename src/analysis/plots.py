"""Figures in a CJK font: the font set-up, and the charts the notebooks show.

The font is Noto Sans CJK SC as shipped by the PyPI package ``mplfonts``
(installed with the package, so no system font is needed).  Set
``ANALYSIS_CJK_FONT`` to the path of another .otf/.ttf to use that instead.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg") if os.environ.get("MPLBACKEND") is None and not os.environ.get("DISPLAY") and "ipykernel" not in __import__("sys").modules else None

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from .errors import AnalysisError  # noqa: E402


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
    path = font_path()
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["svg.hashsalt"] = "analysis"
    return name
