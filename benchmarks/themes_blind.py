"""Problem themes and plan alignment on a blind set: the package's coder against a second reader's labels.

    .venv/bin/python benchmarks/themes_blind.py [--blind FILE] [--misses FILE]

The blind set, ``tests/data/themes_blind.csv`` (81 problem items, each with
one plan item; ``tests/data/themes_blind_notes.md`` says how it was written),
was written and coded by a reader who had not read the cues.  Each row is
treated as a report of its own holding one problem item and one plan item.

The problems are coded with the package's public theme coder
(``themes.code_items`` then ``themes.summarize``), as a user would, and the
pairs are aligned with ``alignment.align``.  Prints

* strict main-theme hit rate: the coder's main theme is the reader's ``main_theme``;
* lenient hit rate: the coder's main theme is the reader's main or one of ``other_themes``;
* uncoded: share of items with no theme at all;
* plan alignment precision and recall over the problem → plan pairs
  (``answers`` = 1 is a link; the 15 rows with 0 answer another theme).

Every miss goes to ``--misses`` (default ``benchmarks/out/themes_blind_misses.txt``).
The last line is ``strict=… lenient=… uncoded=… align_precision=… align_recall=… n=…``.

Works on the pristine checkout too (blind figure)::

    git worktree add ../base d25da19 && cd ../base && PYTHONPATH=src ../main/.venv/bin/python ../main/benchmarks/themes_blind.py
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import pandas as pd

from analysis import alignment, themes

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent  # the repository this script belongs to (the blind set lives here)
BLIND = ROOT / "tests" / "data" / "themes_blind.csv"
MISSES = HERE / "out" / "themes_blind_misses.txt"


def load_blind(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    needed = {"item_id", "problem", "main_theme", "other_themes", "plan", "answers"}
    missing = needed - set(table.columns)
    if missing:
        raise SystemExit(f"{path}: missing column(s) {sorted(missing)}")
    return table


def as_items(blind: pd.DataFrame, column: str) -> pd.DataFrame:
    """One report per row (doc_id = item_id) holding one item: the problem or the plan."""
    return pd.DataFrame({"doc_id": blind["item_id"], "town": "", "item_no": 1, "text": blind[column]})


def measure(blind: pd.DataFrame) -> tuple[dict[str, float], list[str]]:
    problems, plans = as_items(blind, "problem"), as_items(blind, "plan")
    codes = themes.code_items(problems)
    coded = themes.summarize(problems, codes).set_index("doc_id")
    links = alignment.align(problems, plans)
    linked = set(links["doc_id"])
    via = dict(zip(links["doc_id"], links["via"]))
    sims = dict(zip(links["doc_id"], links["similarity"]))

    misses: list[str] = []
    strict = lenient = uncoded = 0
    methods: Counter[str] = Counter()
    tp = fp = fn = 0
    for row in blind.itertuples(index=False):
        got = coded.loc[row.item_id]
        main = str(got["main_theme"])
        accepted = {row.main_theme, *[t for t in row.other_themes.split(";") if t]}
        method = str(got["method"]) if "method" in coded.columns else ("cue" if main else "")
        similarity = got["similarity"] if "similarity" in coded.columns else ""
        methods[method or "uncoded"] += 1
        if not main:
            uncoded += 1
        strict += main == row.main_theme
        lenient += main in accepted
        if main != row.main_theme:
            kind = "UNCODED" if not main else ("LENIENT" if main in accepted else "WRONG")
            misses.append(
                f"theme {kind:8s} {row.item_id} gold={row.main_theme} other={row.other_themes or '-'} "
                f"got={main or '-'} all={got['themes'] or '-'} method={method or '-'} similarity={similarity}\n"
                f"    {row.problem}"
            )
        gold_link, found = row.answers == "1", row.item_id in linked
        tp += gold_link and found
        fp += found and not gold_link
        fn += gold_link and not found
        if gold_link != found:
            kind = "ALIGN_FP" if found else "ALIGN_FN"
            detail = f"via={via[row.item_id]} similarity={sims[row.item_id]}" if found else ""
            misses.append(
                f"{kind:14s} {row.item_id} problem={row.main_theme} coder={main or '-'} {detail}\n"
                f"    problem: {row.problem}\n    plan:    {row.plan}"
            )
    n = len(blind)
    figures = {
        "strict": strict / n,
        "lenient": lenient / n,
        "uncoded": uncoded / n,
        "align_precision": tp / (tp + fp) if tp + fp else 0.0,
        "align_recall": tp / (tp + fn) if tp + fn else 0.0,
        "n": n,
    }
    misses.insert(0, "methods: " + ", ".join(f"{k} {v}" for k, v in sorted(methods.items())))
    misses.insert(1, f"alignment: {tp} true links found, {fp} false links, {fn} links missed")
    return figures, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--blind", type=Path, default=BLIND, help="the blind set (CSV)")
    parser.add_argument("--misses", type=Path, default=MISSES, help="where to write every miss")
    args = parser.parse_args()
    blind = load_blind(args.blind)
    figures, misses = measure(blind)
    args.misses.parent.mkdir(parents=True, exist_ok=True)
    args.misses.write_text("\n".join(misses) + "\n", encoding="utf-8")
    print(misses[0])
    print(misses[1])
    print(f"misses written to {args.misses}")
    print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
