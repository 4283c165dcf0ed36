"""Time the frequency stage and the word-frequency notebook on a large synthetic corpus.

The five reports of data/raw are copied N times (default 1000) under made-up
town names, so every copy is a distinct text.  Run from the project root:

    .venv/bin/python benchmarks/bench_frequency.py            # 1000 reports
    .venv/bin/python benchmarks/bench_frequency.py --n 200 --notebook
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from analysis import concordance, config, frequency, keyness, wordclouds  # noqa: E402
from analysis.corpus import load_corpus  # noqa: E402

SYLLABLES = "安宝长城大东丰福高广海和红华吉嘉建金康兰乐林龙明南宁平庆泉荣瑞山胜顺太天同文西祥新兴阳永玉云中"


def synthetic_corpus(n: int, folder: Path) -> Path:
    """Write *n* report files: the real reports with their town renamed."""
    reports = load_corpus(config.DATA_RAW, warn=False).reports
    names = ("".join(pair) for pair in itertools.product(SYLLABLES, repeat=2))
    for i, name in zip(range(n), names):
        row = reports.iloc[i % len(reports)]
        town = f"{name}{row['level']}"
        text = row["text"].replace(row["town"], town)
        (folder / f"{i:04d}.txt").write_text(text, encoding="utf-8")
    return folder


def timed(label: str, func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    print(f"{label:<42} {time.perf_counter() - start:7.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="number of reports (default 1000)")
    parser.add_argument("--notebook", action="store_true", help="also execute notebooks/01_word_frequency.ipynb on them")
    args = parser.parse_args()
    warnings.simplefilter("ignore", frequency.FrequencyWarning)
    with tempfile.TemporaryDirectory() as tmp:
        folder = synthetic_corpus(args.n, Path(tmp))
        reports = timed(f"load_corpus ({args.n} reports)", lambda: load_corpus(folder, warn=False).reports)
        print(f"  {len(reports)} reports, {reports['town'].nunique()} towns, {reports['n_chars'].sum():,} characters")
        terms = timed("terms (tokenize + metadata)", frequency.terms, reports)
        print(f"  {len(terms):,} counted tokens")
        timed("counts (corpus)", frequency.counts, terms)
        towns = timed("counts by town", frequency.counts, terms, by="town")
        timed("counts by role", frequency.counts, terms, by="role")
        timed("tfidf (top 10 per report)", frequency.tfidf, terms)
        shown = frequency.largest_groups(towns, by="town", limit=12)
        timed("keyness_by (12 towns)", keyness.keyness_by, terms, by="town", groups=shown)
        timed("keyness (one town vs the rest)", keyness.keyness, terms, shown[0], by="town")
        timed("kwic (4 terms)", concordance.kwic, reports, ["枫桥经验", "法律明白人", "12345", "网格"])
        timed("word cloud (corpus)", wordclouds.cloud_figure, frequency.counts(terms))
        timed("word-cloud grid (12 towns)", wordclouds.cloud_grid, towns, by="town", max_panels=12)
        timed("comparison cloud (8 towns)", wordclouds.comparison_cloud, towns, by="town", max_groups=8)
        if args.notebook:
            import papermill

            out = Path(tmp) / "01_word_frequency.ipynb"
            timed(
                "notebook 01_word_frequency (papermill)",
                papermill.execute_notebook,
                str(config.NOTEBOOKS_DIR / "01_word_frequency.ipynb"),
                str(out),
                parameters={"data_dir": str(folder)},
                kernel_name="python3",
                cwd=str(config.NOTEBOOKS_DIR),
                progress_bar=False,
            )


if __name__ == "__main__":
    main()
