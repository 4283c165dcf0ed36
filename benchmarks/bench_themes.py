"""Time the themes stage (coding, chi-square, alignment, checklist, coverage, boilerplate) on a corpus.

    python benchmarks/make_corpus.py --reports 1000 --out /tmp/corpus-1000
    python benchmarks/bench_themes.py /tmp/corpus-1000

Prints one line per step with its wall-clock time and the size of its result.
"""

from __future__ import annotations

import argparse
import time

from analysis import alignment, boilerplate, compliance, structure, themes
from analysis.corpus import load_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="folder of reports")
    args = parser.parse_args()
    clock = time.perf_counter()

    def step(name: str, started: float, size: object) -> float:
        now = time.perf_counter()
        print(f"{name:<28} {now - started:7.2f} s   {size}")
        return now

    t = clock
    reports = load_corpus(args.path, warn=False).reports
    t = step("load_corpus", t, f"{len(reports)} reports")
    problems = structure.problem_items(reports)
    plans = structure.plan_items(reports)
    t = step("problem_items + plan_items", t, f"{len(problems)} problems, {len(plans)} plans")
    codes = themes.code_items(problems)
    t = step("code_items", t, f"{len(codes)} codes")
    table = themes.theme_table(codes, problems)
    test = themes.chi_square(codes, problems, by="county", reports=reports)
    t = step("theme_table + chi_square", t, f"{table.shape}, meaningful by county: {test.meaningful}")
    links = alignment.align(problems, plans)
    t = step("align", t, f"{len(links)} links")
    checks = compliance.checklist(reports)
    t = step("checklist", t, f"{len(checks)} rows")
    cover = compliance.coverage(reports)
    t = step("coverage", t, f"{len(cover)} rows")
    index = boilerplate.index(reports)
    t = step("boilerplate.index", t, f"{sum(len(x) for x in index.texts):,} characters")
    passages = boilerplate.passages(index)
    shares = boilerplate.shares(index)
    t = step("passages + shares", t, f"{len(passages)} passages, median share {shares['share'].median():.2f}")
    spec = boilerplate.item_detail(problems, reports, shared_index=index)
    t = step("item_detail", t, spec["kind"].value_counts().to_dict())
    step("total", clock, "")


if __name__ == "__main__":
    main()
