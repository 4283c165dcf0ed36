"""CPU time of jieba's own Tokenizer, FastTokenizer and the package's tokenizer (rjieba) on the same text, one core.

    python benchmarks/tokenizer_speed.py [--copies 8] [--rounds 3]

The cleaned text of data/raw, repeated --copies times, cut with ``lcut`` by
each tokenizer (the domain terms loaded in each), --rounds times in turn; the
least CPU time of each counts.  Checks that the package's words equal
jieba's, then prints one line per tokenizer: seconds, MB/s, × jieba.
"""

from __future__ import annotations

import argparse
import logging
import os
import time

import jieba

from analysis import config
from analysis.corpus import load_corpus
from analysis.tokenize import FastTokenizer, tokenizer, with_terms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    jieba.setLogLevel(logging.WARNING)
    texts = list(load_corpus(config.DATA_RAW, warn=False).reports["text"]) * args.copies
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    tokenizers = {
        "jieba.Tokenizer": with_terms(jieba.Tokenizer()),
        "FastTokenizer": with_terms(FastTokenizer()),
        "package (rjieba)": tokenizer(),
    }
    for tok in tokenizers.values():
        tok.lcut(texts[0])
    best: dict[str, float] = {}
    load = os.getloadavg()[0]
    for _ in range(args.rounds):
        for name, tok in tokenizers.items():
            started = time.process_time()
            for text in texts:
                tok.lcut(text)
            best[name] = min(best.get(name, float("inf")), time.process_time() - started)
    reference = tokenizers["jieba.Tokenizer"]
    assert all(tokenizer().lcut(t) == reference.lcut(t) for t in texts[: len(texts) // args.copies]), (
        "the package's words differ from jieba's"
    )
    for name, seconds in best.items():
        print(f"{name}: {seconds:.3f} s CPU for {mb:.2f} MB = {mb / seconds:.2f} MB/s ({best['jieba.Tokenizer'] / seconds:.1f}× jieba)")
    print(f"load average before {load:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
