"""Calibrate the plan-alignment similarity threshold against tests/data/plan_items_gold.csv.

    python benchmarks/themes_alignment.py

For every problem × plan pair of the same report, the TF-IDF cosine of their
tokens; then precision and recall of the problem → plan links (against the
hand-made links) for a range of thresholds, by similarity alone, by shared
theme alone, and by either (what ``alignment.align`` does).
"""

from __future__ import annotations

import pandas as pd

from analysis import alignment, config, structure
from analysis.corpus import load_corpus

GOLD = config.ROOT / "tests" / "data" / "plan_items_gold.csv"
THRESHOLDS = (0.05, 0.08, 0.10, 0.12, 0.14, 0.16, 0.20, 0.25, 0.30)


def scores(found: set, gold: set) -> str:
    hit = len(found & gold)
    precision = hit / len(found) if found else 0.0
    recall = hit / len(gold)
    f1 = 2 * precision * recall / (precision + recall) if hit else 0.0
    return f"P {precision:.2f}  R {recall:.2f}  F1 {f1:.2f}  ({len(found)} links)"


def main() -> None:
    reports = load_corpus(config.DATA_RAW, warn=False).reports
    problems, plans = structure.problem_items(reports), structure.plan_items(reports)
    gold_table = pd.read_csv(GOLD, dtype=str, keep_default_na=False)
    gold = {(r.doc_id, int(p), int(r.item_no)) for r in gold_table.itertuples() for p in r.answers_problems.split(";") if p}
    every = alignment.align(problems, plans, threshold=0.0)  # all same-report pairs, with similarity and shared themes
    pairs = {
        (d, p, q): (s, bool(t))
        for d, p, q, s, t in zip(every["doc_id"], every["problem_no"], every["plan_no"], every["similarity"], every["shared_themes"])
    }
    by_theme = {k for k, (_, t) in pairs.items() if t}
    print(f"{len(pairs)} problem × plan pairs in the same report; {len(gold)} gold links")
    print(f"shared theme only:            {scores(by_theme, gold)}")
    for threshold in THRESHOLDS:
        by_text = {k for k, (s, _) in pairs.items() if s >= threshold}
        print(
            f"threshold {threshold:.2f}  similarity only: {scores(by_text, gold)}   theme or similarity: {scores(by_text | by_theme, gold)}"
        )
    print("gold links and their similarity:")
    for key in sorted(gold):
        print(f"  {key}  similarity {pairs.get(key, (0.0, False))[0]:.3f}  shared theme {pairs.get(key, (0.0, False))[1]}")
    missed = sorted((s, k) for k, (s, _) in pairs.items() if k not in gold)[-3:]
    print("highest-similarity pairs that are not gold links:", [(k, round(s, 3)) for s, k in missed])


if __name__ == "__main__":
    main()
