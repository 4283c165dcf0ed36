"""Lexicon files: validated on load, errors name the file, line and entry."""

from __future__ import annotations

import random
import re

import pytest
import yaml

from analysis import config
from analysis.errors import LexiconError
from analysis.lexicon import (
    files_hash,
    load_user_dict,
    load_wordlist,
    load_yaml,
    longest_word_re,
    read_text,
    stopwords,
    word_alternation,
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xef\xbb\xbf\xe6\xb3\x95\xe6\xb2\xbb\n", r"bad.txt:1: starts with a UTF-8 BOM"),
        ("法治\r\n普法\r\n".encode(), r"bad.txt:1: has Windows \(CRLF\)"),
        ("法治\n".encode() + "普法\n".encode("gbk"), r"bad.txt:2: is not valid UTF-8"),
    ],
)
def test_bad_encoding_is_refused(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(LexiconError, match=message):
        read_text(path)


def test_wordlist_errors(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("# comment\n法治\n普法\n法治\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"words.txt:4 \(entry '法治'\): duplicate of line 2"):
        load_wordlist(path)
    path.write_text("法治 政府\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="may not contain spaces"):
        load_wordlist(path)


def test_user_dict_errors(tmp_path):
    path = tmp_path / "terms.txt"
    path.write_text("枫桥经验 10 nz\n法律明白人 1.5x\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"terms.txt:2 \(entry '法律明白人'\): '1.5x' is neither"):
        load_user_dict(path)
    path.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="has no terms"):
        load_user_dict(path)


def test_yaml_errors_name_the_line(tmp_path):
    path = tmp_path / "x.yml"
    path.write_text("roles:\n  problems: [a, b\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"x.yml:\d+: is not valid YAML"):
        load_yaml(path)


def test_every_knowledge_file_reads_as_the_pure_python_parser_reads_it():
    files = sorted(p for p in config.LEXICON_DIR.rglob("*") if p.suffix in (".yaml", ".yml"))
    assert len(files) >= 10
    for path in files:
        assert load_yaml(path) == yaml.safe_load(path.read_text(encoding="utf-8")), path


def test_project_lexicons_load():
    terms = [t for t, _, _ in load_user_dict()]
    for name in ["神树镇", "都督乡", "上社镇", "双庙镇", "乌马河镇", "枫桥经验", "法律明白人", "三重一大", "12345"]:
        assert name in terms
    stop = stopwords()
    assert {"的", "进一步", "切实"} <= stop and "法治" not in stop
    assert "新词" in stopwords(extra=["新词"])
    assert len(files_hash()) == 64


def test_every_lexicon_file_is_clean():
    for path in sorted(config.LEXICON_DIR.rglob("*")):
        if path.is_file():
            read_text(path)


def _alternation(words) -> str:
    """What ``longest_word_re`` stands in for: the escaped words, longest first."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def test_the_word_tree_matches_what_the_list_longest_first_matches_on_the_lexicons_words_and_real_text(reports):
    from analysis.indicators.rules import load_rules as indicator_rules
    from analysis.quantities import load_rules as quantity_rules

    cues = list(indicator_rules().cues)
    units = list(quantity_rules().units)
    terms = [t for t, _, _ in load_user_dict()]
    assert len(cues) > 300 and {"普法", "普法宣传", "排查", "排查整治"} <= set(cues)  # words that begin longer words
    texts = reports["text"].tolist()
    for words in (cues, units, terms):
        tree, listed = re.compile(longest_word_re(words)), re.compile(_alternation(words))
        # overlapping (a lookahead at each position, as the indicator cues are read) and in windows of a text
        ahead_tree, ahead_listed = re.compile(f"(?=({longest_word_re(words)}))"), re.compile(f"(?=({_alternation(words)}))")
        found = 0
        for text in texts:
            spans = [m.span() for m in listed.finditer(text)]
            assert [m.span() for m in tree.finditer(text)] == spans
            found += len(spans)
            for lo in range(0, len(text), 997):
                hi = lo + 37
                assert [(m.start(), m.group(1)) for m in ahead_tree.finditer(text, lo, hi)] == [
                    (m.start(), m.group(1)) for m in ahead_listed.finditer(text, lo, hi)
                ]
        assert found > 100


def test_the_word_tree_tries_the_shorter_words_in_turn_when_what_follows_fails():
    rng = random.Random(7)
    for _ in range(300):
        words = {"".join(rng.choice("ab法治") for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 8))}
        if rng.random() < 0.1:
            words.add("")  # an empty word: the whole is optional
        text = "".join(rng.choice("ab法治c") for _ in range(60))
        for template in ("{}", "(?:{})c", "({})(?=b)", "(?:{})+"):
            tree = re.compile(template.format(longest_word_re(words)))
            listed = re.compile(template.format(_alternation(words)))
            assert [m.span() for m in tree.finditer(text)] == [m.span() for m in listed.finditer(text)], (words, template)
    assert longest_word_re(["执法", "执法检查", "检查"]) == "(?:执法(?:检查)?|检查)"


def test_a_word_alternation_matches_each_word_literally_in_its_order():
    words = ("人民政府", "党工委", "(办)", "a.b", "政府")
    pattern = re.compile(word_alternation(words))
    assert pattern.pattern == "人民政府|党工委|\\(办\\)|a\\.b|政府"
    assert [m.group(0) for m in pattern.finditer("县人民政府(办)与axb、a.b街道政府")] == ["人民政府", "(办)", "a.b", "政府"]
    assert word_alternation(words) is word_alternation(words)  # made once per list
