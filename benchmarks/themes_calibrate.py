"""Calibrate the nearest-theme threshold (``themes.NEAREST_THRESHOLD``), never on the blind set.

    .venv/bin/python benchmarks/themes_calibrate.py

Calibration data:

* on-theme: the 16 problem items of the five reports (main theme hand-coded in
  ``tests/data/problem_items_gold.csv``) and the sentences of
  ``tests/data/themes_sentences.csv`` that have a theme (written in the style of
  reports for the tests, not taken from any report or from the blind set);
* off-theme: the sentences of that file without a theme (problems a township
  states that are no rule-of-law theme, and section openers such as
  ``存在的问题主要有以下几个方面``).

Each item is scored against every theme's description as if no cue had fired
(``themes.theme_similarity``).  Prints how often the nearest theme is the right
one, then for each threshold the share of on-theme items that would be coded
(and coded right) and the share of off-theme items that would wrongly get a
theme.  The threshold chosen is the one with the largest difference between
the two shares (Youden's J); on a tie, the midpoint of the tied range.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import config, structure, themes
from analysis.corpus import load_corpus

DATA = config.ROOT / "tests" / "data"
THRESHOLDS = np.round(np.arange(0.04, 0.165, 0.005), 3)


def calibration_items() -> pd.DataFrame:
    """text, theme ('' for off-theme), source."""
    reports = load_corpus(config.DATA_RAW, warn=False).reports
    problems = structure.problem_items(reports)
    gold = pd.read_csv(DATA / "problem_items_gold.csv", dtype=str, keep_default_na=False)
    gold["item_no"] = gold["item_no"].astype(int)
    ids = {t.split("_")[0]: t for t in themes.load_themes().ids}
    inside = problems.merge(gold[["doc_id", "item_no", "main_theme"]], on=["doc_id", "item_no"])
    five = pd.DataFrame({"text": inside["text"], "theme": inside["main_theme"].map(ids), "source": "five reports"})
    sentences = pd.read_csv(DATA / "themes_sentences.csv", dtype=str, keep_default_na=False)
    own = pd.DataFrame({"text": sentences["text"], "theme": sentences["theme"], "source": "themes_sentences.csv"})
    return pd.concat([five, own], ignore_index=True)


def scored() -> pd.DataFrame:
    """The calibration items with their nearest theme and its similarity, as if no cue had fired."""
    items = calibration_items()
    sims = themes.theme_similarity(list(items["text"]))
    return items.assign(nearest=sims.idxmax(axis=1).to_numpy(), similarity=sims.max(axis=1).to_numpy())


def sweep(items: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Per threshold: on-theme coded, on-theme coded right, off-theme coded, J; and the threshold chosen."""
    on, off = items[items["theme"] != ""], items[items["theme"] == ""]
    rows = []
    for t in THRESHOLDS:
        tpr = float((on["similarity"] >= t).mean())
        right = float(((on["similarity"] >= t) & (on["nearest"] == on["theme"])).mean())
        fpr = float((off["similarity"] >= t).mean())
        rows.append({"threshold": float(t), "on_coded": tpr, "on_right": right, "off_coded": fpr, "j": round(tpr - fpr, 6)})
    table = pd.DataFrame(rows)
    tied = table.loc[table["j"] == table["j"].max(), "threshold"]
    return table, round((tied.min() + tied.max()) / 2, 4)


def main() -> None:
    items = scored()
    on, off = items[items["theme"] != ""], items[items["theme"] == ""]
    print(f"{len(on)} on-theme items ({(on['source'] == 'five reports').sum()} from the five reports), {len(off)} off-theme")
    for source, group in on.groupby("source"):
        right = (group["nearest"] == group["theme"]).sum()
        print(f"nearest theme right, no cues used: {source}: {right}/{len(group)}")
    table, chosen = sweep(items)
    print("threshold  on-theme coded  on-theme coded right  off-theme coded  J")
    for row in table.itertuples():
        print(
            f"  {row.threshold:.3f}     {row.on_coded:.2f}            {row.on_right:.2f}                  {row.off_coded:.2f}           {row.j:.2f}"
        )
    print(f"best J {table['j'].max():.2f}; chosen {chosen:.3f} (themes.NEAREST_THRESHOLD = {themes.NEAREST_THRESHOLD})")
    print("off-theme items by similarity:")
    for row in off.sort_values("similarity", ascending=False).itertuples():
        print(f"  {row.similarity:.3f} {row.nearest} {row.text}")
    print("on-theme items below the chosen threshold or nearest to another theme:")
    for row in on.sort_values("similarity").itertuples():
        if row.similarity < chosen or row.nearest != row.theme:
            print(f"  {row.similarity:.3f} gold {row.theme} nearest {row.nearest} {row.text[:40]}")


if __name__ == "__main__":
    main()
