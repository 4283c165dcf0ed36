"""The CJK font cut down for a run and for a page: from the run font when it has every character, else from the full font."""

from __future__ import annotations

import io

from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont

from analysis import fonts


def _font(data: bytes) -> TTFont:
    return TTFont(io.BytesIO(data))


def _fonttools_cut(source, chars: str, *, layout: bool) -> TTFont:
    """fontTools' subsetter, the reference HarfBuzz's cuts are checked against: *chars* only, layout tables kept or dropped."""
    import logging

    from fontTools import subset

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    options = subset.Options()
    if layout:
        options.layout_features = ["*"]
    else:
        options.layout_features = []
        options.drop_tables += list(fonts.PAGE_DROPPED_TABLES)
    font = TTFont(source, lazy=True, recalcTimestamp=False, recalcBBoxes=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return _font(buffer.getvalue())


def _drawn(font: TTFont, ch: str) -> tuple[list, object]:
    """The outline of *ch* in *font* as drawing commands, and its advance."""
    name = font.getBestCmap()[ord(ch)]
    pen = RecordingPen()
    font.getGlyphSet()[name].draw(pen)
    return pen.value, font["hmtx"][name]


def test_a_page_cut_from_the_run_font_has_the_pages_characters_and_the_full_fonts_outlines(reports, tmp_path, monkeypatch):
    monkeypatch.delenv(fonts.RUN_FONT_ENV, raising=False)
    page = reports["text"].iloc[0][:400] + " 简报 2024 (50%)"
    full = fonts.page_font(page)
    assert "CFF " in _font(full)
    run = fonts.write_run_font(reports["text"], tmp_path / "run.otf")
    monkeypatch.setenv(fonts.RUN_FONT_ENV, str(run))
    sources = []
    monkeypatch.setattr(fonts, "_page_cut", lambda path, chars, _cut=fonts._page_cut: sources.append(path) or _cut(path, chars))
    cut = fonts.page_font(page)
    assert sources == [str(run)]  # cut from the run font, not the full one
    wanted = set(page) - {"\n", "\r", "\t"}
    assert set(map(chr, _font(cut).getBestCmap())) == set(map(chr, _font(full).getBestCmap())) >= wanted - {" "}
    assert all(_drawn(_font(cut), ch) == _drawn(_font(full), ch) for ch in wanted - {" "})  # the same outlines and advances
    assert not {"GSUB", "GPOS"} & set(_font(cut).keys())
    assert fonts.page_font(page) == cut  # the same bytes every time
    assert len(cut) < len(full)  # its subroutines inlined: smaller than a cut of the full font's


def test_harfbuzzs_cuts_have_the_tables_and_outlines_fonttools_gives(reports, tmp_path):
    """HarfBuzz cuts the run font (layout tables kept) and a page's font (dropped): the same tables, characters,
    outlines and advances as fontTools' subsetter gives from the full font."""
    page = reports["text"].iloc[1][:600] + " 简报 2024 (50%) ①—“”"
    chars = "".join(sorted(set(page) - {"\n", "\r", "\t"}))
    run = fonts.write_run_font([*reports["text"], page], tmp_path / "run.otf")
    full = str(fonts.font_path())
    for mine, layout in ((_font(run.read_bytes()), True), (_font(fonts._page_cut(str(run), chars)), False)):
        theirs = _fonttools_cut(full, chars if not layout else (tmp_path / "run.chars").read_text(encoding="utf-8"), layout=layout)
        assert set(mine.keys()) == set(theirs.keys())
        assert {"GSUB", "GPOS"} <= set(mine.keys()) if layout else not {"GSUB", "GPOS"} & set(mine.keys())
        assert mine.getBestCmap().keys() == theirs.getBestCmap().keys() and len(mine.getBestCmap()) > 100
        for ch in [c for c in chars if ord(c) in theirs.getBestCmap()]:
            assert _drawn(mine, ch) == _drawn(theirs, ch), (layout, ch)


def test_the_run_font_is_cut_once_and_kept_by_its_characters(reports, tmp_path, monkeypatch):
    """A build asks for the run font of its texts: kept in the font cache, found there the next time, not cut again."""
    from analysis import config

    monkeypatch.setattr(config, "FONT_CACHE_DIR", tmp_path / "fonts")
    texts = [reports["text"].iloc[0][:200]]
    made = fonts.write_run_font(texts)
    assert made.parent == tmp_path / "fonts" and made.with_suffix(".chars").is_file()
    assert set(texts[0]) - {"\n", "\r", "\t"} <= set(made.with_suffix(".chars").read_text(encoding="utf-8"))
    made.write_bytes(b"kept")  # found again, not cut again
    assert fonts.write_run_font(texts) == made and made.read_bytes() == b"kept"
    other = fonts.write_run_font([texts[0] + "龘"])  # another character: another font
    assert other != made and "龘" in other.with_suffix(".chars").read_text(encoding="utf-8")
    made.with_suffix(".chars").unlink()  # a font without its characters is not complete: cut again
    assert fonts.write_run_font(texts) == made and made.read_bytes() != b"kept"


def test_the_run_fonts_characters_are_every_character_of_the_texts_once_in_order(reports):
    """Each character of the reports once, in code point order, with the extra ranges; no line break or tab. A
    character past the basic plane (𠀀, 😀) is one character, and a lone surrogate (a file read with
    surrogateescape) is kept, not an error."""
    texts = [*reports["text"], "𠀀𠮷😀\r\n\t", "\udc80"]
    chars = fonts._run_chars(texts)
    extra = {chr(c) for start, end in fonts.EXTRA_RANGES for c in range(start, end + 1)}
    assert set(chars) == (set("".join(texts)) | extra) - {"\n", "\r", "\t"}
    assert list(chars) == sorted(set(chars))
    assert {"法", "治", "𠀀", "𠮷", "😀", "\udc80"} <= set(chars)
    assert fonts._run_chars([]) == "".join(sorted(extra - {"\n", "\r", "\t"}))


def test_a_character_outside_the_run_font_is_cut_from_the_full_font(reports, tmp_path, monkeypatch):
    run = fonts.write_run_font(reports["text"].head(1), tmp_path / "run.otf")
    monkeypatch.setenv(fonts.RUN_FONT_ENV, str(run))
    assert "龘" not in (tmp_path / "run.chars").read_text(encoding="utf-8")
    data = fonts.page_font("龘法治")
    assert ord("龘") in _font(data).getBestCmap()
    monkeypatch.delenv(fonts.RUN_FONT_ENV)
    assert fonts.page_font("龘法治") == data


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


def test_the_font_is_found_without_importing_matplotlib():
    """The build's own process finds the font to cut the run font from; importing the font package would import
    matplotlib (0.12–0.16 s on that process's serial path), which nothing else there needs."""
    import subprocess
    import sys

    script = (
        "import sys; from analysis import fonts; print(fonts.font_path().is_file(), 'matplotlib' in sys.modules, 'mplfonts' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "False", "False"], done.stderr
