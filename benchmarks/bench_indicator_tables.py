"""Time the steps of the indicator briefing (notebooks/02) on a corpus, one core, without the notebook.

    .venv/bin/python benchmarks/make_corpus.py --reports 1000        # once: benchmarks/out/corpus-1000-seed42/
    .venv/bin/python benchmarks/bench_indicator_tables.py benchmarks/out/corpus-1000-seed42

Prints one line per step (load, extract, pivot, summary, the figures,
specificity, year_over_year, export into a temporary folder) with its wall
time, then the total.  The notebook adds a kernel start and the HTML
conversion (``python -m analysis briefings --notebook 02``).  Not a test: the
figures depend on the machine; run it on an idle one.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from analysis import config, indicators, plots  # noqa: E402
from analysis.corpus import load_corpus  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="?", default=str(config.DATA_RAW))
    args = parser.parse_args()
    steps: list[tuple[str, float]] = []
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        steps.append((name, now - clock))
        print(f"{name:<16} {now - clock:7.2f} s", flush=True)
        clock = now

    reports = load_corpus(config.resolve_path(args.data), warn=False).reports
    step("load")
    rows = indicators.extract(reports)
    step("extract")
    pivot = indicators.pivot(rows, reports)
    step("pivot")
    summary = indicators.summary(rows, reports)
    indicators.key_overview(summary)
    step("summary")
    shared = plots.shared_keys_chart(rows, reports)
    distribution = plots.key_distribution_chart(rows, reports)
    step("shared figures")
    specificity = indicators.specificity(rows, reports)
    figure = plots.specificity_chart(specificity)
    step("specificity")
    year_over_year = indicators.year_over_year(rows, reports)
    step("year_over_year")
    provenance = indicators.provenance(rows[rows["indicator"] != ""])
    with tempfile.TemporaryDirectory() as folder:
        tables = {"rows": indicators.printable(rows), "pivot": pivot, "summary": summary, "specificity": specificity}
        tables.update(year_over_year=year_over_year, provenance=provenance)
        indicators.export(tables, folder, figures={"shared_keys": shared, "key_distribution": distribution, "specificity": figure})
    step("export")
    plt.close("all")
    print(f"{'total':<16} {sum(s for _, s in steps):7.2f} s for {len(reports)} reports, {len(rows)} quantity rows")


if __name__ == "__main__":
    main()
