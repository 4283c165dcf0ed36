"""Indicator extraction on real report openings: the package's rows against a gold set written by reading.

    .venv/bin/python benchmarks/dev_indicators.py [--dev DIR] [--gold FILE] [--misses FILE]

Reads the 61 openings in ``../shared/corpus-dev/reports`` (beside the project;
see that folder's README) where they lie: they are never copied into the
repository, and when the folder is absent the script says so and exits 0.
The gold, ``tests/data/dev_indicators_gold.csv``, refers to them by ``doc_id``
and gives each quantity an ``anchor``: a verbatim snippet of the text that
occurs once in its document and contains ``raw``
(``tests/data/dev_indicators_gold_notes.md`` explains the labels).

The reports are loaded with ``load_corpus`` and measured with the package's
public indicator extraction (``indicators.extract``), as a user would.  Each
gold row is placed by finding its anchor in the loaded text; an extracted row
matches it when doc_id, raw and start offset are the same.  Several rows at
one place (one number for two subjects) are paired key by key.

Prints precision and recall (matched rows over extracted and over gold rows),
key accuracy and qualifier accuracy over the matched rows, and the counts.
Each miss (false positive, false negative, wrong key, wrong qualifier) goes to
``--misses`` with its anchor or its context.  The last line is
``precision=P recall=R key_accuracy=K qualifier_accuracy=Q gold=G extracted=E``.

Works on the pristine checkout too (blind figure)::

    git worktree add ../base d25da19 && cd ../base && PYTHONPATH=src ../main/.venv/bin/python ../main/benchmarks/dev_indicators.py --misses FILE
"""

from __future__ import annotations

import argparse
import csv
import importlib
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent  # the repository this script belongs to (its gold lives here)
GOLD = ROOT / "tests" / "data" / "dev_indicators_gold.csv"
GOLD_COLUMNS = ["doc_id", "raw", "value", "value_max", "unit", "qualifier", "indicator", "anchor", "note"]
# where the public indicator extraction lives: the first module that has ``extract`` wins
EXTRACT_MODULES = ["analysis.indicators", "analysis.measure.indicators", "analysis.indicators.extract"]


def default_dev() -> Path:
    """``shared/corpus-dev`` beside the repository (``ROOT.parent / "shared" / "corpus-dev"``)."""
    candidates = [ROOT.parent / "shared" / "corpus-dev"]
    try:
        from analysis import config

        candidates.append(Path(config.ROOT).parent / "shared" / "corpus-dev")
    except ImportError:
        pass
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


def extractor():
    """The package's ``extract(reports) -> rows`` (its module may move during a refactor)."""
    tried = []
    for name in EXTRACT_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            tried.append(f"{name} ({exc})")
            continue
        if callable(getattr(module, "extract", None)):
            return module.extract
        tried.append(f"{name} (no extract)")
    raise SystemExit("no indicator extraction found; tried " + "; ".join(tried))


def read_gold(path: Path) -> list[dict[str, str]]:
    """The gold rows; an error names the file and the line when a column is missing."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in GOLD_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(f"{path}: missing column(s) {', '.join(missing)}")
        rows = list(reader)
    for line, row in enumerate(rows, start=2):
        if not row["raw"] or row["raw"] not in row["anchor"]:
            raise SystemExit(f"{path}, line {line}: raw {row['raw']!r} is not inside its anchor {row['anchor']!r}")
    return rows


def _pattern(snippet: str) -> str:
    """A regex for *snippet* that lets any run of whitespace match any other (the loader tidies spaces)."""
    parts = re.split(r"\s+", snippet)
    return r"\s*".join(re.escape(part) for part in parts)


def locate(text: str, anchor: str, raw: str) -> tuple[int, int] | None:
    """(start, end) of *raw* inside the single occurrence of *anchor* in *text*; None when not found."""
    at = text.find(anchor)
    if at >= 0:
        start = at + anchor.index(raw)
        return start, start + len(raw)
    found = re.search(_pattern(anchor), text)
    if not found:
        return None
    inner = re.search(_pattern(raw), text[found.start() : found.end()])
    if not inner:
        return None
    return found.start() + inner.start(), found.start() + inner.end()


def context(text: str, start: int, end: int, width: int = 12) -> str:
    return text[max(0, start - width) : end + 4].replace("\n", " ")


def compare(gold: list[dict[str, str]], extracted, texts: dict[str, str]):
    """Counts and misses.  Rows are grouped by (doc_id, raw, start) and paired within a group."""
    misses: list[dict[str, str]] = []
    gold_at: dict[tuple[str, str, int], list[dict[str, str]]] = defaultdict(list)
    unplaced = 0
    for row in gold:
        text = texts.get(row["doc_id"])
        span = locate(text, row["anchor"], row["raw"]) if text is not None else None
        if span is None:
            unplaced += 1
            misses.append(
                {
                    "kind": "gold_not_located",
                    "doc_id": row["doc_id"],
                    "raw": row["raw"],
                    "gold": row["indicator"],
                    "got": "",
                    "where": row["anchor"],
                }
            )
            continue
        gold_at[(row["doc_id"], row["raw"], span[0])].append(row)
    got_at: dict[tuple[str, str, int], list[dict[str, str]]] = defaultdict(list)
    for row in extracted.itertuples(index=False):
        key = "" if not isinstance(row.indicator, str) else row.indicator
        got_at[(row.doc_id, row.raw, int(row.start))].append({"indicator": key, "qualifier": row.qualifier, "end": int(row.end)})
    matched = key_right = qual_right = 0
    for place in sorted(set(gold_at) | set(got_at)):
        doc_id, raw, start = place
        text = texts.get(doc_id, "")
        golds, gots = list(gold_at.get(place, [])), list(got_at.get(place, []))
        pairs = []
        for g in list(golds):  # same key first, then the rest in order
            same = next((x for x in gots if x["indicator"] == g["indicator"]), None)
            if same is not None:
                pairs.append((g, same))
                golds.remove(g)
                gots.remove(same)
        paired = min(len(golds), len(gots))
        pairs += list(zip(golds, gots))
        for g, x in pairs:
            matched += 1
            where = g["anchor"]
            if x["indicator"] == g["indicator"]:
                key_right += 1
            else:
                misses.append(
                    {"kind": "wrong_key", "doc_id": doc_id, "raw": raw, "gold": g["indicator"], "got": x["indicator"], "where": where}
                )
            if x["qualifier"] == g["qualifier"]:
                qual_right += 1
            else:
                misses.append(
                    {"kind": "wrong_qualifier", "doc_id": doc_id, "raw": raw, "gold": g["qualifier"], "got": x["qualifier"], "where": where}
                )
        for g in golds[paired:]:
            misses.append({"kind": "false_negative", "doc_id": doc_id, "raw": raw, "gold": g["indicator"], "got": "", "where": g["anchor"]})
        for x in gots[paired:]:
            where = context(text, start, x["end"])
            misses.append({"kind": "false_positive", "doc_id": doc_id, "raw": raw, "gold": "", "got": x["indicator"], "where": where})
    counts = {
        "gold": len(gold),
        "extracted": len(extracted),
        "matched": matched,
        "key_right": key_right,
        "qual_right": qual_right,
        "unplaced": unplaced,
    }
    order = {"false_negative": 0, "false_positive": 1, "wrong_key": 2, "wrong_qualifier": 3, "gold_not_located": 4}
    misses.sort(key=lambda m: (m["doc_id"], order[m["kind"]]))
    return counts, misses


def ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=None, help="corpus-dev folder (default: ../shared/corpus-dev beside the project)")
    parser.add_argument("--gold", type=Path, default=GOLD, help=f"gold rows (default: {GOLD.relative_to(ROOT)})")
    parser.add_argument("--misses", type=Path, default=None, help="write every miss, with its anchor or context, to this file")
    args = parser.parse_args(argv)
    dev = args.dev or default_dev()
    folder = dev / "reports"
    if not folder.is_dir():
        print(f"corpus-dev not found at {dev} (no reports/ folder): nothing to measure; pass --dev DIR to point at it", file=sys.stderr)
        return 0
    if not args.gold.is_file():
        print(f"gold file not found: {args.gold}", file=sys.stderr)
        return 1

    import analysis
    from analysis import load_corpus

    gold = read_gold(args.gold)
    reports = load_corpus(folder, warn=False).reports
    extract = extractor()
    rows = extract(reports[["doc_id", "town", "year", "text"]])
    texts = dict(zip(reports["doc_id"], reports["text"]))
    counts, misses = compare(gold, rows, texts)

    kinds = Counter(m["kind"] for m in misses)
    print(f"package: {Path(analysis.__file__).parent}  extract: {extract.__module__}.extract")
    print(
        f"corpus-dev: {folder} ({len(reports)} texts loaded); gold: {args.gold} ({counts['gold']} rows, {len({g['doc_id'] for g in gold})} docs)"
    )
    print(
        f"matched {counts['matched']}; false negatives {kinds['false_negative']}; false positives {kinds['false_positive']}; "
        f"wrong key {kinds['wrong_key']}; wrong qualifier {kinds['wrong_qualifier']}; gold rows not located {counts['unplaced']}"
    )
    if args.misses:
        args.misses.parent.mkdir(parents=True, exist_ok=True)
        with args.misses.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["kind", "doc_id", "raw", "gold", "got", "where"], lineterminator="\n")
            writer.writeheader()
            writer.writerows(misses)
        print(f"{len(misses)} misses written to {args.misses}")
    precision = ratio(counts["matched"], counts["extracted"])
    recall = ratio(counts["matched"], counts["gold"])
    key_accuracy = ratio(counts["key_right"], counts["matched"])
    qualifier_accuracy = ratio(counts["qual_right"], counts["matched"])
    print(
        f"precision={precision:.3f} recall={recall:.3f} key_accuracy={key_accuracy:.3f} "
        f"qualifier_accuracy={qualifier_accuracy:.3f} gold={counts['gold']} extracted={counts['extracted']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
