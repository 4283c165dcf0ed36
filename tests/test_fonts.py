"""The CJK font cut down for a page: from the run's TrueType font when it has every character, else from the full font."""

from __future__ import annotations

import io

from fontTools.ttLib import TTFont

from analysis import fonts


def _font(data: bytes) -> TTFont:
    return TTFont(io.BytesIO(data))


def test_a_page_cut_from_the_run_font_has_the_pages_characters_as_truetype(reports, tmp_path, monkeypatch):
    monkeypatch.delenv(fonts.RUN_FONT_ENV, raising=False)
    page = reports["text"].iloc[0][:400] + " 简报 2024 (50%)"
    full, kind = fonts.page_font(page)
    assert kind == "opentype" and "CFF " in _font(full)
    run = fonts.write_run_font(reports["text"], tmp_path / "run.ttf")
    monkeypatch.setenv(fonts.RUN_FONT_ENV, str(run))
    cut, kind = fonts.page_font(page)
    assert kind == "truetype" and "glyf" in _font(cut)
    wanted = set(page) - {"\n", "\r", "\t"}
    assert set(map(chr, _font(cut).getBestCmap())) == set(map(chr, _font(full).getBestCmap())) >= wanted - {" "}
    assert fonts.page_font(page) == (cut, kind)  # the same bytes every time
    assert len(cut) < 2 * len(full)


def test_a_pages_cut_has_the_tables_and_outlines_fonttools_gives(reports, tmp_path, monkeypatch):
    """HarfBuzz cuts a page's font (``_page_cut``): the same tables, characters and outlines as fontTools' cut (``_cut``)."""
    from fontTools.pens.recordingPen import RecordingPen

    page = reports["text"].iloc[1][:600] + " 简报 2024 (50%) ①—“”"
    chars = "".join(sorted(set(page) - {"\n", "\r", "\t"}))
    run = fonts.write_run_font(reports["text"], tmp_path / "run.ttf")
    for source in (str(run), str(fonts.font_path())):
        data = fonts._run_font(source)[0] if source == str(run) else None
        mine = _font(fonts._page_cut(source, chars))
        theirs = _font(fonts._cut(io.BytesIO(data) if data else source, chars))
        assert set(mine.keys()) == set(theirs.keys()) and not {"GSUB", "GPOS"} & set(mine.keys())
        assert mine.getBestCmap().keys() == theirs.getBestCmap().keys() and len(mine.getBestCmap()) > 100
        for ch in [c for c in chars if ord(c) in theirs.getBestCmap()]:
            drawn = []
            for font in (mine, theirs):
                pen = RecordingPen()
                font.getGlyphSet()[font.getBestCmap()[ord(ch)]].draw(pen)
                drawn.append(pen.value)
            assert drawn[0] == drawn[1], (source, ch)
            assert mine["hmtx"][mine.getBestCmap()[ord(ch)]] == theirs["hmtx"][theirs.getBestCmap()[ord(ch)]]


def test_the_outlines_stay_within_a_thousandth_of_an_em(reports, tmp_path, monkeypatch):
    from fontTools.pens.boundsPen import BoundsPen

    run = fonts.write_run_font(reports["text"].head(1), tmp_path / "run.ttf")
    monkeypatch.setenv(fonts.RUN_FONT_ENV, str(run))
    truetype = _font(fonts.page_font("法治政府")[0])
    monkeypatch.delenv(fonts.RUN_FONT_ENV)
    full = _font(fonts.page_font("法治政府")[0])
    for ch in "法治政府":
        bounds = []
        for font in (full, truetype):
            pen = BoundsPen(font.getGlyphSet())
            font.getGlyphSet()[font.getBestCmap()[ord(ch)]].draw(pen)
            bounds.append(pen.bounds)
        assert all(abs(a - b) <= 2 for a, b in zip(*bounds)), ch


def test_the_run_font_is_the_full_font_cut_to_the_runs_characters(reports, tmp_path):
    """Cut from its drawing cut (quicker), the run font has the same bytes as cut from the full font."""
    text = reports["text"].iloc[0][:300]
    run = fonts.write_run_font([text], tmp_path / "run.ttf")
    chars = (tmp_path / "run.chars").read_text(encoding="utf-8")
    assert set(text) - {"\n", "\r", "\t"} <= set(chars)
    assert run.read_bytes() == fonts._truetype(fonts._cut(str(fonts.font_path()), chars))
    assert run.with_suffix(fonts.DRAWING_SUFFIX).read_bytes() == fonts._cut(str(fonts.font_path()), chars, shaping=True)


def test_a_run_font_already_made_is_found_without_cutting_it(reports, tmp_path, monkeypatch):
    """A build asks ``made_run_font`` first and cuts the font in another process only when it is not there yet."""
    from analysis import config

    monkeypatch.setattr(config, "FONT_CACHE_DIR", tmp_path / "fonts")
    texts = [reports["text"].iloc[0][:200]]
    assert fonts.made_run_font(texts) is None
    made = fonts.write_run_font(texts)
    assert fonts.made_run_font(texts) == made and made.parent == tmp_path / "fonts"
    assert fonts.made_run_font([texts[0] + "龘"]) is None  # another character: another font
    made.with_suffix(fonts.DRAWING_SUFFIX).unlink()  # a font without its drawing cut is not complete
    assert fonts.made_run_font(texts) is None


def test_a_character_outside_the_run_font_is_cut_from_the_full_font(reports, tmp_path, monkeypatch):
    run = fonts.write_run_font(reports["text"].head(1), tmp_path / "run.ttf")
    monkeypatch.setenv(fonts.RUN_FONT_ENV, str(run))
    assert "龘" not in (tmp_path / "run.chars").read_text(encoding="utf-8")
    data, kind = fonts.page_font("龘法治")
    assert kind == "opentype" and ord("龘") in _font(data).getBestCmap()


def _draws_in_a_kernel(figure_source: str) -> tuple[int, int]:
    """(times a figure canvas was drawn, PNG pictures shown) when *figure_source* runs as one notebook cell in a kernel."""
    import nbformat
    from nbclient import NotebookClient

    count = (
        "import matplotlib.backends.backend_agg as _agg\n_n = [0]\n_draw = _agg.FigureCanvasAgg.draw\n"
        "def _counted(self, *a, **k):\n    _n[0] += 1\n    return _draw(self, *a, **k)\n_agg.FigureCanvasAgg.draw = _counted"
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in (count, figure_source, "print(_n[0])")]
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    pictures = sum("image/png" in o.get("data", {}) for o in nb.cells[1].outputs)
    return int(nb.cells[2].outputs[0]["text"]), pictures


def test_a_figure_in_a_notebook_is_drawn_only_for_its_picture():
    """pyplot's hook draws every changed figure after a cell, then the inline backend draws it again for the PNG;
    the package's figures skip the first draw (two draws remain: the tight frame, then the picture)."""
    package = (
        'import pandas as pd\nfrom analysis import plots\nfig = plots.terms_bar(pd.DataFrame({"token": ["法治", "建设"], "count": [3, 2]}))'
    )
    plain = "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.bar([1, 2], [3, 2])"
    assert _draws_in_a_kernel(package) == (2, 1)
    assert _draws_in_a_kernel(plain) == (3, 1)  # without the package's set-up: the extra draw this saves
