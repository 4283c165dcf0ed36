"""Time and memory of the town word clouds: one cloud per town, as the town briefings draw them.

    python benchmarks/bench_clouds.py                    # data/raw: the five towns
    python benchmarks/bench_clouds.py --reports 1000     # the synthetic corpus of benchmarks/make_corpus.py
    python benchmarks/bench_clouds.py --kept 256         # keep that many font sizes open (session 5 kept 256)

Each town's cloud is made as the town briefing makes it: ``wordclouds.cloud_image(counts,
max_words=120)`` (the layout, then the SVG with its font; since session 21),
laid out from the run's cut of the font, as in a build (``fonts.write_run_font``
of what the run's pages show).  ``--figure`` draws it as sessions 5–20
measured it: ``wordclouds.cloud_figure`` from the full font, encoded as PNG
as a notebook's inline backend does.  The stage tables come from (or are first written to) a pipeline
cache kept under ``benchmarks/out/`` (git-ignored).  The peak memory of this
process (``ru_maxrss``) is read before the first cloud and after the last:
the CJK font holds about 3.3 MB in FreeType for each size kept open.  Prints,
as its last line::

    clouds=N kept=K seconds=S per_cloud_s=C peak_mb_before=A peak_mb_after=B

``--towns`` draws only the first N towns (default: all).  Other work on the
machine slows the seconds, not the memory.
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_corpus import OUT_DIR, make_corpus  # noqa: E402

from analysis import cloudlayout, config, display, fonts, frequency, kept, pipeline, wordclouds  # noqa: E402


def peak_mb() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=5, help="5: data/raw; more: the synthetic corpus of that size (default 5)")
    parser.add_argument("--seed", type=int, default=config.RANDOM_SEED, help="synthetic corpus seed")
    parser.add_argument("--towns", type=int, help="only the first N towns (default: every town)")
    parser.add_argument("--kept", type=int, default=cloudlayout.FONT_SIZES_KEPT, help="font sizes kept open (default: the package's)")
    parser.add_argument("--figure", action="store_true", help="a matplotlib figure from the full font, encoded as PNG (sessions 5-20)")
    args = parser.parse_args()

    if args.reports == 5:
        corpus, cache = config.DATA_RAW, OUT_DIR / "cache-5"
    else:
        corpus = make_corpus(args.reports, OUT_DIR / f"corpus-{args.reports}-seed{args.seed}", seed=args.seed)
        cache = OUT_DIR / f"cache-{args.reports}"
    results = pipeline.run(corpus, stages=kept.BRIEFING_STAGES, cache_dir=cache, workers=1, progress=False, warn=False)
    cloudlayout._open_large = functools.lru_cache(maxsize=args.kept)(cloudlayout._open)  # the full font's sizes
    display.setup_notebook()
    towns = sorted(t for t in results.reports["town"].unique() if isinstance(t, str))[: args.towns]
    counts = [frequency.counts(kept.town_terms(results, town)) for town in towns]

    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    if not args.figure:  # as a build: the clouds laid out from the run font, cut to what the run's pages show
        from analysis.briefings.notebooks import find_notebooks
        from analysis.briefings.runner import _shown_texts

        os.environ[fonts.RUN_FONT_ENV] = str(fonts.write_run_font(_shown_texts(results.reports, find_notebooks())))
    before = peak_mb()
    started = time.perf_counter()
    for table in counts:
        if args.figure:
            fig = wordclouds.cloud_figure(table, max_words=120)
            fig.canvas.print_figure(io.BytesIO(), format="png", bbox_inches="tight")
            plt.close(fig)
        else:
            wordclouds.cloud_image(table, max_words=120)
    seconds = time.perf_counter() - started
    after = peak_mb()
    print(
        f"clouds={len(counts)} kept={args.kept} seconds={seconds:.2f} per_cloud_s={seconds / max(len(counts), 1):.3f} "
        f"peak_mb_before={before} peak_mb_after={after}"
    )


if __name__ == "__main__":
    main()
