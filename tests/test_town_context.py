"""What every town briefing of a run shares is read once in a kernel, and read again when an input changes."""

from __future__ import annotations

import shutil

from analysis import config, frequency, kept, keyness, workfolder


def test_the_results_are_kept_while_the_reports_are_unchanged(tmp_path):
    for path in sorted(config.DATA_RAW.glob("*.txt"))[:2]:
        shutil.copy(path, tmp_path / path.name)
    first = kept.results_for(tmp_path)
    assert kept.results_for(tmp_path) is first
    assert kept.corpus_terms(first) is kept.corpus_terms(first)
    assert kept.corpus_terms(first).equals(frequency.terms(first.reports, tokens=first["tokens"]))
    terms, card = kept.corpus_terms(first), workfolder.scorecard_for(first)[0]
    assert workfolder.scorecard_for(first)[0] is card  # kept by workfolder, in a store of kept's
    edited = sorted(tmp_path.glob("*.txt"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n全年共调解矛盾纠纷12件。\n", encoding="utf-8")
    again = kept.results_for(tmp_path)
    assert again is not first
    # reading a new run let go of everything kept for the last, in every module's stores
    assert kept.corpus_terms(first) is not terms and workfolder.scorecard_for(first)[0] is not card
    assert again.reports["text"].str.contains("全年共调解矛盾纠纷12件").any()
    assert not first.reports["text"].str.contains("全年共调解矛盾纠纷12件").any()
    third = sorted(config.DATA_RAW.glob("*.txt"))[2]  # a report added is read too
    shutil.copy(third, tmp_path / third.name)
    added = kept.results_for(tmp_path)
    assert added is not again and len(added.reports) == 3 and kept.results_for(tmp_path) is added


def test_a_held_process_checks_a_folders_inputs_once(tmp_path, monkeypatch):
    """``kept.hold`` (a briefings worker): the run read for the first page serves the build's later pages, even when a
    report changes meanwhile; a process not held reads the changed report (above)."""
    monkeypatch.setattr(kept, "_HELD", False)  # put back after the test
    for path in sorted(config.DATA_RAW.glob("*.txt"))[:2]:
        shutil.copy(path, tmp_path / path.name)
    first = kept.results_for(tmp_path)
    kept.hold()
    edited = sorted(tmp_path.glob("*.txt"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n全年共调解矛盾纠纷12件。\n", encoding="utf-8")
    checked = []
    monkeypatch.setattr(kept, "_inputs", lambda folder: checked.append(folder))
    assert kept.results_for(tmp_path) is first and checked == []
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(sorted(config.DATA_RAW.glob("*.txt"))[2], other)
    monkeypatch.undo()
    monkeypatch.setattr(kept, "_HELD", True)
    assert len(kept.results_for(other).reports) == 1  # another folder is read (and checked) the first time


def test_group_keyness_is_keyness_for_every_town_and_option(reports):
    import pandas as pd

    from analysis import pipeline

    results = pipeline.run(config.DATA_RAW, workers=1, progress=False, warn=False)
    terms = kept.corpus_terms(results)
    by_town = keyness.GroupKeyness(terms, by="town")
    for town in reports["town"].unique():
        for options in ({}, {"top": 10}, {"measure": "g2"}, {"correction": "none", "top": 5}):
            pd.testing.assert_frame_equal(by_town(town, **options), keyness.keyness(terms, town, by="town", **options))
    two = list(reports["town"].unique()[:2])
    pd.testing.assert_frame_equal(by_town(two), keyness.keyness(terms, two, by="town"))
    doc = reports["doc_id"].iloc[2]
    by_doc = keyness.GroupKeyness(terms, by="doc_id", reports=reports)
    pd.testing.assert_frame_equal(by_doc(doc), keyness.keyness(terms, doc, by="doc_id", reports=reports))
    assert kept.town_keyness(results) is kept.town_keyness(results)
    top = by_town("神树镇", top=10)
    assert "神树镇" not in set(top["token"])  # its own name is left out, as keyness does
    assert (top["direction"] == "target").sum() == 10


def test_group_keyness_of_an_unknown_town_warns_like_keyness(reports):
    import pytest

    from analysis.errors import FrequencyWarning

    terms = frequency.terms(reports.head(2))
    with pytest.warns(FrequencyWarning, match="no key terms"):
        assert keyness.GroupKeyness(terms, by="town")("没有这个镇").empty


def test_a_towns_terms_are_its_rows_of_the_corpus_terms(reports):
    import pandas as pd

    from analysis import pipeline

    results = pipeline.run(config.DATA_RAW, workers=1, progress=False, warn=False)
    terms = kept.corpus_terms(results)
    for town in reports["town"].unique():
        mine = kept.town_terms(results, town)
        pd.testing.assert_frame_equal(mine, terms[terms["town"] == town])
        assert set(mine["doc_id"]) == set(reports.loc[reports["town"] == town, "doc_id"])
    assert kept.town_terms(results, "某某镇").empty
    assert list(kept.town_terms(results, "某某镇").columns) == list(terms.columns)
