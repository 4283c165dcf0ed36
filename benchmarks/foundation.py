"""Time loading, structure and tokenisation of a corpus (default: data/raw).

    python benchmarks/foundation.py [PATH ...] [--repeat N]

Prints one line per stage (best of N runs, after a first run that builds
jieba's dictionary cache) and the jieba start-up time on its own.
"""

from __future__ import annotations

import argparse
import time

from analysis import config, quantities, structure
from analysis.corpus import load_corpus
from analysis.tokenize import tokenize, tokenizer


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[str(config.DATA_RAW)])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    t0 = time.perf_counter()
    tokenizer()
    startup = time.perf_counter() - t0
    load_s, corpus = best(lambda: load_corpus(args.paths, warn=False), args.repeat)
    reports = corpus.reports
    structure._parse_cached.cache_clear()
    struct_s, _ = best(lambda: (structure._parse_cached.cache_clear(), structure.sections(reports), structure.items(reports)), args.repeat)
    # each run finds the quantities and makes the paragraphs again (the parse stays cached, as in a pipeline worker)
    tok_s, tokens = best(
        lambda: (quantities._kept_lines.cache_clear(), structure._last_tables.cache_clear(), tokenize(reports))[-1], args.repeat
    )
    mb = reports["text"].str.encode("utf-8").str.len().sum() / 1e6
    print(f"reports={len(reports)} chars={reports['n_chars'].sum()} mb={mb:.3f}")
    print(f"jieba start-up (dictionary + {len(tokenizer().user_word_tag_tab)} user terms): {startup:.2f} s")
    print(f"load:      {load_s * 1000:.0f} ms")
    print(f"structure: {struct_s * 1000:.0f} ms")
    print(f"tokenise:  {tok_s * 1000:.0f} ms ({len(tokens)} tokens kept)")


if __name__ == "__main__":
    main()
