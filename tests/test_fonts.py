"""The CJK font cut down for a page: from the run's font when it has every character, the same bytes."""

from __future__ import annotations

from fontTools.ttLib import TTFont

from analysis import fonts


def _cmap(data: bytes) -> set[str]:
    import io

    return {chr(c) for c in TTFont(io.BytesIO(data)).getBestCmap()}


def test_a_page_cut_from_the_run_font_is_the_page_cut_from_the_full_font(reports, tmp_path, monkeypatch):
    monkeypatch.delenv(fonts.RUN_FONT_ENV, raising=False)
    page = reports["text"].iloc[0][:400] + " 简报 2024 (50%)"
    full = fonts.page_font(page)
    run = fonts.write_run_font(reports["text"], tmp_path / "run.otf")
    monkeypatch.setenv(fonts.RUN_FONT_ENV, str(run))
    assert fonts.page_font(page) == full
    assert {"简", "报"} <= _cmap(full) and "龘" not in _cmap(full)


def test_a_character_outside_the_run_font_is_cut_from_the_full_font(reports, tmp_path, monkeypatch):
    run = fonts.write_run_font(reports["text"].head(1), tmp_path / "run.otf")
    monkeypatch.setenv(fonts.RUN_FONT_ENV, str(run))
    assert "龘" not in (tmp_path / "run.chars").read_text(encoding="utf-8")
    assert "龘" in _cmap(fonts.page_font("龘法治"))
