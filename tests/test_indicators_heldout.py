"""Indicators on a held-out set: 120 sentences written, by reading the contract and
the genre, by someone who had not seen the extraction rules (tests/data/indicators_heldout.csv).

Per sentence, extracted (value, unit, qualifier) triples are matched to the gold
ones as multisets; the key is scored on the matched pairs.  Run with -s to see
what was missed.  The figures in the README were measured with this test.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from analysis.indicators import extract

HELDOUT = Path(__file__).parent / "data" / "indicators_heldout.csv"
MIN_PRECISION, MIN_RECALL, MIN_KEY_ACCURACY = 0.97, 0.97, 0.90


def _triples(table: pd.DataFrame) -> list[tuple[tuple[float, str, str], str]]:
    return [((float(r.value), r.unit, r.qualifier), r.indicator or "") for r in table.itertuples(index=False)]


@pytest.fixture(scope="module")
def scored():
    gold = pd.read_csv(HELDOUT, dtype=str, keep_default_na=False)
    sentences = list(dict.fromkeys(gold["sentence"]))
    reports = pd.DataFrame(
        {
            "doc_id": [f"s{i:03d}" for i in range(len(sentences))],
            "town": "某镇",
            "year": 2025,
            "text": sentences,
        }
    )
    rows = extract(reports).fillna({"indicator": ""})
    tp = fp = fn = keys_right = 0
    notes = []
    for doc_id, sentence in zip(reports["doc_id"], sentences):
        wanted = _triples(gold[(gold["sentence"] == sentence) & (gold["raw"] != "")])
        found = _triples(rows[rows["doc_id"] == doc_id])
        g, o = Counter(t for t, _ in wanted), Counter(t for t, _ in found)
        matched = g & o
        tp += sum(matched.values())
        fp += sum((o - g).values())
        fn += sum((g - o).values())
        notes += [f"missed {t} in {sentence}" for t in g - o] + [f"extra {t} in {sentence}" for t in o - g]
        for triple, n in matched.items():
            gold_keys = Counter(k for t, k in wanted if t == triple)
            our_keys = Counter(k for t, k in found if t == triple)
            right = min(n, sum((gold_keys & our_keys).values()))
            keys_right += right
            if right < n:
                notes.append(f"key {sorted(gold_keys.elements())} vs {sorted(our_keys.elements())} for {triple} in {sentence}")
    return {"precision": tp / (tp + fp), "recall": tp / (tp + fn), "key_accuracy": keys_right / tp, "notes": notes, "rows": tp + fn}


def test_heldout_accuracy(scored):
    print(
        f"\nheld-out: precision {scored['precision']:.3f}, recall {scored['recall']:.3f}, key accuracy {scored['key_accuracy']:.3f} ({scored['rows']} gold rows)"
    )
    print("\n".join(scored["notes"]))
    assert scored["precision"] >= MIN_PRECISION
    assert scored["recall"] >= MIN_RECALL
    assert scored["key_accuracy"] >= MIN_KEY_ACCURACY


def test_heldout_negatives_give_no_row():
    gold = pd.read_csv(HELDOUT, dtype=str, keep_default_na=False)
    negatives = gold[gold["raw"] == ""]["sentence"].tolist()
    assert len(negatives) >= 15
    reports = pd.DataFrame({"doc_id": [f"n{i}" for i in range(len(negatives))], "town": "某镇", "year": 2025, "text": negatives})
    rows = extract(reports)
    assert rows.empty, rows[["raw", "sentence"]].to_string()
