"""Compare the package's tokenizers with jieba's own code on random text for a while.

    python benchmarks/fuzz_tokenizer.py [--seconds 60] [--seed 0]

``tokenize.tokenizer()`` (rjieba where it gives jieba's words,
``segmenter.RustTokenizer``) and ``tokenize.FastTokenizer`` (jieba with its
route search done in one pass) must both give the same words as
``jieba.Tokenizer`` with the same dictionary (``tokenize.with_terms``), both
word by word (``words``, ``cut``) and as ``tokenize`` cuts a chunk of reports at
once (``tokenize._cut_codes``: rjieba's words, then those jieba splits split).  The tests check every report and a few hundred
random texts; this runs for longer, on slices of the real and synthetic
reports and on strings of dictionary words, their first characters, rare Han
characters, digits, letters, spaces, punctuation and characters outside the
Basic Multilingual Plane, letters and digits joined by ``.`` ``_`` ``-`` and
CJK characters jieba does not count as Han.  Prints every difference found (at most five in
full), then ``texts=N differences=D``; exits 1 when D > 0.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import jieba

from analysis import config
from analysis.corpus import load_corpus
from analysis.tokenize import FastTokenizer, _cut_codes, tokenizer, with_terms

HERE = Path(__file__).resolve().parent
EXTRA = [
    *"0123456789abcXYZ+#&._%-—，。、：；！？“”《》()（） \t\r\n\u3000",
    *["\U00020000", "\U0001f600", "\u9fd5", "\u9fd6", "\u4e00", "\u4dff", "é", "ｑ", "１"],
    *["\u3400", "\uf900", "\U0002a700", "a.b", "0.5.3", "x-1", "a_b", "1.X2", "0.1a"],
]


def sources() -> list[str]:
    """The cleaned texts of data/raw and, if built, of the first 50 synthetic reports."""
    texts = list(load_corpus(config.DATA_RAW, warn=False).reports["text"])
    synthetic = HERE / "out" / f"corpus-1000-seed{config.RANDOM_SEED}"
    if synthetic.is_dir():
        texts += list(load_corpus(sorted(synthetic.glob("*.txt"))[:50], warn=False).reports["text"])
    return texts


def random_text(rng: random.Random, texts: list[str], words: list[str]) -> str:
    if rng.random() < 0.4:
        text = rng.choice(texts)
        start = rng.randrange(len(text))
        return text[start : start + rng.randrange(1, 400)]
    parts = []
    for _ in range(rng.randrange(0, 30)):
        r = rng.random()
        if r < 0.5:
            parts.append(rng.choice(words))
        elif r < 0.7:
            parts.append(rng.choice(words)[:1])
        elif r < 0.85:
            parts.append(rng.choice(EXTRA))
        else:
            parts.append(chr(rng.randrange(0x4E00, 0x9FD6)))
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to keep trying (default 60)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    reference = with_terms(jieba.Tokenizer())
    candidates = {"package (rjieba)": tokenizer(), "FastTokenizer": with_terms(FastTokenizer())}
    texts = sources()
    words = [word for word, freq in reference.FREQ.items() if freq]
    rng = random.Random(args.seed)
    n = differences = 0

    def check(text: str, expected: list[str]) -> None:
        nonlocal differences
        for name, tok in candidates.items():
            got = tok.words(text)
            cut = _cut_codes(tok, text)  # None: a text tokenize cuts stretch by stretch, as words does
            at_once = expected if cut is None else [cut[1][code].as_py() for code in cut[0]]
            if got != expected or list(tok.cut(text)) != expected or at_once != expected:
                differences += 1
                if differences <= 5:
                    print(f"difference ({name}): {text!r}\n  package: {got}\n  jieba:   {expected}")

    for text in texts:  # whole reports first
        n += 1
        check(text, reference.lcut(text))
    started = time.perf_counter()
    while time.perf_counter() - started < args.seconds:
        text = random_text(rng, texts, words)
        n += 1
        check(text, reference.lcut(text))
    print(f"texts={n} differences={differences}")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
