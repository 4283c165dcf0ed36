"""Metadata accuracy on real report openings: the package's loader against corpus-dev's manifest.

    .venv/bin/python benchmarks/metadata.py [--dev PATH] [--misses FILE]

Reads ``../shared/corpus-dev`` next to the project (61 openings of real
法治政府建设 reports with a hand-written ``manifest.csv``; see its README).  The
folder is read where it lies and never copied into the repository; when it is
absent the script says so and exits 0.

Loads ``reports/`` with ``analysis.load_corpus`` — the package's public loader,
as a user would — and compares town, level, county (only where the manifest
has one), year (the year reported on) and title with the manifest; publisher
and published too when the package's reports table has those columns.  Names
and titles are compared in simplified characters with spaces removed (the
manifest writes a title split over two lines with one space; a traditional
report's town may come back in either form).  An empty expected value is right
only when the package leaves the field empty.

Prints the accuracy of each field and of town + year together; each miss
(doc, field, expected, got) goes to ``--misses`` when given.  The last line is
``town_year=… level=… county=… year=… town=… title=… n=61``.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
FIELDS = ["town", "level", "county", "year", "title", "publisher", "published"]


def default_dev() -> Path:
    """``shared/corpus-dev`` beside the project (the project's root is this script's parent folder)."""
    candidates = [HERE.parent.parent / "shared" / "corpus-dev"]
    try:
        from analysis import config

        candidates.insert(0, config.ROOT.parent / "shared" / "corpus-dev")
    except ImportError:
        pass
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


def _simplify(text: str) -> str:
    from opencc import OpenCC

    return OpenCC("t2s").convert(text)


def normalise(field: str, value: object) -> str:
    """The form a value is compared in: '' for missing, year as digits, names simplified without spaces."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if field == "year":
        return str(int(value)) if str(value).strip() else ""
    if field == "published":
        text = str(value).strip()
        return text[:10] if text else ""
    return re.sub(r"\s+", "", _simplify(str(value)))


def compare(manifest: pd.DataFrame, reports: pd.DataFrame) -> tuple[dict[str, tuple[int, int]], list[dict[str, str]]]:
    """(right, total) per field and the misses, one row per (doc, field) that differs."""
    got_by_doc = reports.set_index("doc_id")
    fields = [f for f in FIELDS if f not in ("publisher", "published") or f in reports.columns]
    scores: dict[str, list[int]] = {f: [0, 0] for f in fields}
    scores["town_year"] = [0, 0]
    misses = []
    for row in manifest.itertuples(index=False):
        got_row = got_by_doc.loc[row.doc_id] if row.doc_id in got_by_doc.index else None
        right = {}
        for field in fields:
            expected = normalise(field, getattr(row, field))
            if field == "county" and not expected:
                continue
            got = normalise(field, got_row[field]) if got_row is not None else "(not loaded)"
            ok = got == expected
            right[field] = ok
            scores[field][0] += ok
            scores[field][1] += 1
            if not ok:
                shown = "" if got_row is None else got_row[field]
                shown = "" if shown is None or (not isinstance(shown, str) and pd.isna(shown)) else shown
                misses.append({"doc_id": row.doc_id, "field": field, "expected": str(getattr(row, field) or ""), "got": str(shown)})
        scores["town_year"][0] += right["town"] and right["year"]
        scores["town_year"][1] += 1
    return {k: (v[0], v[1]) for k, v in scores.items()}, misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=None, help="corpus-dev folder (default: ../shared/corpus-dev beside the project)")
    parser.add_argument("--misses", type=Path, default=None, help="write each miss (doc, field, expected, got) to this CSV file")
    args = parser.parse_args(argv)
    dev = args.dev or default_dev()
    manifest_file = dev / "manifest.csv"
    if not manifest_file.is_file():
        print(f"corpus-dev not found at {dev} (no manifest.csv): nothing to measure; pass --dev PATH to point at it", file=sys.stderr)
        return 0

    import analysis

    manifest = pd.read_csv(manifest_file, dtype=str, keep_default_na=False)
    corpus = analysis.load_corpus(dev / "reports", warn=False)
    reports = corpus.reports
    scores, misses = compare(manifest, reports)

    n = len(manifest)
    print(f"corpus-dev: {dev} ({n} reports in the manifest, {len(reports)} loaded, {len(corpus.problems)} problem rows)")
    for field, (right, total) in scores.items():
        print(f"{field:>10}: {right / total:.3f} ({right}/{total})" if total else f"{field:>10}: n/a")
    if args.misses:
        args.misses.parent.mkdir(parents=True, exist_ok=True)
        with args.misses.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["doc_id", "field", "expected", "got"])
            writer.writeheader()
            writer.writerows(misses)
        print(f"{len(misses)} misses written to {args.misses}")
    order = ["town_year", "level", "county", "year", "town", "title", "publisher", "published"]
    summary = " ".join(f"{k}={scores[k][0] / scores[k][1]:.3f}" for k in order if k in scores and scores[k][1])
    print(f"{summary} n={n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
