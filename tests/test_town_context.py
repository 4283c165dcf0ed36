"""What every town briefing of a run shares is read once in a kernel, and read again when an input changes."""

from __future__ import annotations

import shutil

from analysis import config, frequency, profile


def test_the_results_are_kept_while_the_reports_are_unchanged(tmp_path):
    for path in sorted(config.DATA_RAW.glob("*.txt"))[:2]:
        shutil.copy(path, tmp_path / path.name)
    first = profile.results_for(tmp_path)
    assert profile.results_for(tmp_path) is first
    assert profile.corpus_terms(first) is profile.corpus_terms(first)
    assert profile.corpus_terms(first).equals(frequency.terms(first.reports, tokens=first["tokens"]))
    edited = sorted(tmp_path.glob("*.txt"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n全年共调解矛盾纠纷12件。\n", encoding="utf-8")
    again = profile.results_for(tmp_path)
    assert again is not first
    assert again.reports["text"].str.contains("全年共调解矛盾纠纷12件").any()
    assert not first.reports["text"].str.contains("全年共调解矛盾纠纷12件").any()
