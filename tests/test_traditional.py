"""A traditional-character copy of each report gives the same rows as its simplified twin.

The copies are made here from the five reports of data/raw with OpenCC's s2t
converter (character for character, so offsets agree), and a second copy with
ASCII punctuation (`,` `:` `(` `)` `;`, as pasted page text often has).  Every
matching stage must read them alike — metadata, sections, problem and plan
items, quantities, indicator keys, themes, the compliance checklist — while
the text quoted in `raw`, `sentence`, headings and items is the copy's own.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import compliance, config, indicators, structure, themes
from analysis.chinese import normalise
from analysis.corpus import load_corpus

ASCII_PUNCT = str.maketrans({"，": ",", "：": ":", "（": "(", "）": ")", "；": ";", "！": "!", "？": "?"})


def _s2t(text: str) -> str:
    from opencc import OpenCC

    converter = OpenCC("s2t")
    out = "\n".join(converter.convert(line) for line in text.split("\n"))
    assert len(out) == len(text), "the copy keeps offsets"
    return out


@pytest.fixture(scope="module")
def twins(tmp_path_factory, reports):
    """(simplified reports, traditional reports, ASCII-punctuation reports), same doc_ids."""
    trad = tmp_path_factory.mktemp("traditional")
    ascii_ = tmp_path_factory.mktemp("ascii")
    for path in sorted(config.DATA_RAW.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        (trad / path.name).write_text(_s2t(text), encoding="utf-8")
        (ascii_ / path.name).write_text(text.translate(ASCII_PUNCT), encoding="utf-8")
    return reports, load_corpus(trad, warn=False).reports, load_corpus(ascii_, warn=False).reports


def _simple(value):
    return normalise(value).text if isinstance(value, str) else value


def _same(left: pd.DataFrame, right: pd.DataFrame, columns: list[str], quoted: list[str], copy: pd.DataFrame):
    """*right* equals *left* on *columns*; its *quoted* columns are the copy's own text at the row's span."""
    assert len(left) == len(right)
    left, right = left.reset_index(drop=True), right.reset_index(drop=True)
    pd.testing.assert_frame_equal(left[columns], right[columns], check_dtype=False)
    for column in quoted:
        assert [_simple(v) for v in right[column]] == [_simple(v) for v in left[column]], column
    texts = dict(zip(copy["doc_id"], copy["text"]))
    for row in right.itertuples(index=False):
        for column in quoted:
            value = getattr(row, column)
            if isinstance(value, str) and value:
                parts = value.split(" > ") if column == "section" else [value]  # a path of headings
                assert all(part in texts[row.doc_id] for part in parts), f"{column} quotes the copy's own characters"


@pytest.mark.parametrize("copy", [1, 2], ids=["traditional", "ascii punctuation"])
def test_metadata(twins, copy):
    base, other = twins[0], twins[copy]
    for column in ("level", "year"):
        assert list(other[column]) == list(base[column])
    for column in ("town", "county"):  # one town, one group: the same names as the simplified twin
        assert list(other[column].fillna("")) == list(base[column].fillna(""))
    assert [_simple(v) for v in other["title"]] == [_simple(v) for v in base["title"]]
    if copy == 1:
        assert other["title"].iloc[0].startswith("神樹鎮")  # the title is quoted as written
        assert other["town"].iloc[0] == "神树镇"


@pytest.mark.parametrize("copy", [1, 2], ids=["traditional", "ascii punctuation"])
def test_sections(twins, copy):
    base, other = twins[0], twins[copy]
    _same(
        structure.sections(base),
        structure.sections(other),
        ["doc_id", "section_no", "level", "number", "role", "start", "end"],
        ["heading"],
        other,
    )


@pytest.mark.parametrize("copy", [1, 2], ids=["traditional", "ascii punctuation"])
def test_items(twins, copy):
    base, other = twins[0], twins[copy]
    _same(structure.items(base), structure.items(other), ["doc_id", "role", "item_no", "start", "end"], ["text"], other)


@pytest.mark.parametrize("copy", [1, 2], ids=["traditional", "ascii punctuation"])
def test_quantities_and_keys(twins, copy):
    base, other = twins[0], twins[copy]
    left, right = indicators.extract(base), indicators.extract(other)
    _same(
        left,
        right,
        ["doc_id", "value", "value_max", "unit", "qualifier", "indicator", "start", "end"],  # the unit in its simplified form
        ["raw", "sentence", "section"],
        other,
    )


@pytest.mark.parametrize("copy", [1, 2], ids=["traditional", "ascii punctuation"])
def test_themes(twins, copy):
    base, other = twins[0], twins[copy]
    left, right = themes.code_problems(base), themes.code_problems(other)
    assert list(right["themes"]) == list(left["themes"])
    assert len(left) > 0


@pytest.mark.parametrize("copy", [1, 2], ids=["traditional", "ascii punctuation"])
def test_compliance(twins, copy):
    base, other = twins[0], twins[copy]
    left, right = compliance.checklist(base), compliance.checklist(other)
    assert list(right["status"]) == list(left["status"])
