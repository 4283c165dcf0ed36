"""Benchmark: indicator extraction against jieba segmentation of the same text, one core.

Builds at least ``--mb`` megabytes (UTF-8) of report text in memory by
resampling the paragraphs of the corpus into new reports (fixed seed, so the
outline parser's cache never sees the same text twice), then times

- ``quantities.find_quantities``      the quantity finder alone;
- ``indicators.map_text``             finder + key mapping (clause grammar);
- ``indicators.extract``              the full stage: rows with sentence and section;
- ``jieba.Tokenizer().lcut``          jieba's own code with the domain dictionary (the reference);
- ``tokenize.tokenizer().lcut``       the package's tokenizer (jieba with the same route found faster).

Usage::

    .venv/bin/python benchmarks/indicators.py [--mb 10] [--data data/raw]

Not a test: the figures depend on the machine.  Run it on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import random
import time

import jieba
import pandas as pd

from analysis import config, indicators, quantities
from analysis.corpus import load_corpus
from analysis.tokenize import tokenizer, with_terms


def build_reports(source: pd.DataFrame, megabytes: float, *, seed: int = config.RANDOM_SEED) -> pd.DataFrame:
    """Reports of resampled paragraphs (each keeps a real title and outline) until *megabytes* of text."""
    rng = random.Random(seed)
    parts = []
    for text, town, year in zip(source["text"], source["town"], source["year"]):
        lines = text.split("\n")
        parts.append((lines[0], [line for line in lines[1:] if line.strip()], town, year))
    rows = []
    size = 0
    target = megabytes * 1_000_000
    while size < target:
        title, body, town, year = parts[len(rows) % len(parts)]
        lines = body[:]
        # keep the outline order of headings but vary the body: drop, repeat and swap paragraphs
        sample = [line for line in lines if rng.random() > 0.15]
        sample += rng.sample(lines, k=min(5, len(lines)))
        text = "\n".join([title, *sample])
        rows.append({"doc_id": f"bench_{len(rows):05d}", "town": town, "year": year, "text": text})
        size += len(text.encode("utf-8"))
    return pd.DataFrame(rows)


def timed(label: str, function, megabytes: float) -> float:
    start = time.perf_counter()
    function()
    seconds = time.perf_counter() - start
    print(f"{label:<46} {seconds:8.2f} s {megabytes / seconds:8.2f} MB/s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0, help="megabytes of report text (UTF-8) to process")
    parser.add_argument("--data", default=str(config.DATA_RAW), help="the reports to resample")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    source = load_corpus(args.data, warn=False).reports
    reports = build_reports(source, args.mb)
    texts = reports["text"].tolist()
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1_000_000
    print(f"{len(texts)} reports, {megabytes:.1f} MB UTF-8, {sum(map(len, texts)) / 1e6:.2f} M characters, one core")
    # warm up: lexicons, regexes, jieba's dictionary
    quantities.find_quantities(texts[0])
    indicators.map_text(texts[0])
    tok, fast = with_terms(jieba.Tokenizer()), tokenizer()
    tok.lcut(texts[0])
    fast.lcut(texts[0])
    found = []
    t_find = timed("quantities.find_quantities", lambda: found.extend(q for t in texts for q in quantities.find_quantities(t)), megabytes)
    t_map = timed("indicators.map_text (finder + keys)", lambda: [indicators.map_text(t) for t in texts], megabytes)
    holder = {}
    t_extract = timed(
        "indicators.extract (rows, sentence, section)", lambda: holder.setdefault("rows", indicators.extract(reports)), megabytes
    )
    t_jieba = timed("jieba Tokenizer().lcut (reference)", lambda: [tok.lcut(t) for t in texts], megabytes)
    t_fast = timed("package tokenizer().lcut", lambda: [fast.lcut(t) for t in texts], megabytes)
    print(f"{len(found)} quantities, {len(holder['rows'])} rows")
    for label, seconds in (("find_quantities", t_find), ("map_text", t_map), ("extract", t_extract), ("tokenizer().lcut", t_fast)):
        print(f"{label}: {t_jieba / seconds:.1f}× the speed of jieba")


if __name__ == "__main__":
    main()
