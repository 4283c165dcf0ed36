"""Word clouds: the package's own counts, stopwords applied, the CJK font, a fixed layout."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from fontTools.ttLib import TTFont

from analysis import cloudlayout, config, fonts, frequency, plots, wordclouds
from analysis.corpus import load_corpus
from analysis.errors import AnalysisError, OptionError
from analysis.frequency import FrequencyWarning
from analysis.lexicon import stopwords
from analysis.tokenize import lexicon_terms

DEJAVU = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


@pytest.fixture(scope="module")
def town_counts(terms):
    return frequency.counts(terms, by="town")


@pytest.fixture(scope="module")
def corpus_cloud(terms):
    return wordclouds.cloud(frequency.counts(terms), max_words=200)


def _font_cmap(path) -> set[int]:
    font = TTFont(str(path), lazy=True)
    try:
        return set(font.getBestCmap())
    finally:
        font.close()


def test_font_has_a_glyph_for_every_character_drawn(reports, terms, corpus_cloud):
    """fontTools reads the font's character map; every character of every word placed must be in it."""
    assert corpus_cloud.font_path == str(plots.font_path())
    cmap = _font_cmap(corpus_cloud.font_path)
    clouds = [corpus_cloud]
    for doc_id in reports["doc_id"]:
        clouds.append(wordclouds.cloud(frequency.counts(terms[terms["doc_id"] == doc_id]), max_words=200))
    drawn = [word for wc in clouds for word in wordclouds.drawn_words(wc)]
    assert len(drawn) > 500
    missing = sorted({ch for word in drawn for ch in word if ord(ch) not in cmap})
    assert missing == []
    assert wordclouds.missing_glyphs(drawn) == []


def test_missing_glyphs_are_found():
    assert wordclouds.missing_glyphs(["法治", "12345"]) == []
    assert wordclouds.missing_glyphs("法治", font=DEJAVU) == sorted("法治")  # a Latin font has no Han characters
    assert wordclouds.missing_glyphs("法\ue000") == ["\ue000"]  # private use area


def test_a_font_without_the_glyphs_is_reported(monkeypatch):
    monkeypatch.setattr(wordclouds, "font_path", lambda: DEJAVU)
    with pytest.warns(FrequencyWarning, match="no glyph for"):
        wordclouds.cloud({"法治": 3.0, "群众": 2.0})


def test_cloud_draws_the_package_counts(terms, corpus_cloud):
    counts = frequency.counts(terms)
    drawn = wordclouds.drawn_words(corpus_cloud)
    assert drawn[0] == "法治"  # the most frequent term is drawn largest
    assert set(drawn) <= set(counts["token"])
    assert not set(drawn) & (stopwords() - lexicon_terms())
    assert corpus_cloud.collocations is False
    # the cloud kept the package's tokens whole: lexicon terms, not wordcloud's own split
    assert {"法治建设", "法治政府建设", "矛盾纠纷"} <= set(drawn)


def test_same_counts_same_picture(terms):
    counts = frequency.counts(terms, by="town")
    one = wordclouds.cloud(counts[counts["town"] == "双庙镇"], max_words=50)
    two = wordclouds.cloud(counts[counts["town"] == "双庙镇"], max_words=50)
    assert one.layout_ == two.layout_
    np.testing.assert_array_equal(one.to_array(), two.to_array())
    assert one.random_state is not None and config.RANDOM_SEED == 42


def test_fonts_kept_open_give_the_same_picture_in_bounded_memory(terms, monkeypatch):
    """wordcloud opens its font for every size it tries; the package keeps the last sizes open: same layout, same pixels.

    Only ``FONT_SIZES_KEPT`` sizes stay open: one size of the full CJK font
    holds about 3.3 MB, and keeping 256 of them took a kernel to 1.2 GB.
    """
    from contextlib import nullcontext

    import wordcloud.wordcloud as module
    from PIL import ImageFont

    opened = []
    monkeypatch.setattr(ImageFont, "truetype", lambda *a, _open=ImageFont.truetype, **k: opened.append(a[1]) or _open(*a, **k))
    cloudlayout._open_large.cache_clear()
    counts = frequency.counts(terms[terms["town"] == "上社镇"])
    kept = wordclouds.cloud(counts, max_words=120, width=1000, height=600)
    with cloudlayout.fast_layout():
        kept_pixels = kept.to_array()
    assert module.ImageFont is ImageFont  # wordcloud is itself again outside the block
    kept_opened, opened[:] = list(opened), []
    monkeypatch.setattr(cloudlayout, "fast_layout", nullcontext)
    plain = wordclouds.cloud(counts, max_words=120, width=1000, height=600)
    np.testing.assert_array_equal(plain.to_array(), kept_pixels)
    assert plain.layout_ == kept.layout_
    assert set(kept_opened) == set(opened)  # the same sizes
    assert len(opened) > 1.5 * len(kept_opened)  # wordcloud's own way opens many sizes again and again
    assert cloudlayout._open_large.cache_info().currsize <= cloudlayout.FONT_SIZES_KEPT <= 32


def test_a_kept_size_answers_a_words_box_and_mask_as_the_font_does_and_asks_it_once():
    """wordcloud measures a word at each size it tries and draws it where it found room; a kept size keeps those
    answers (``cloudlayout._kept_per_word``): the same box and pixels as a font of its own gives, for each word, anchor and start."""
    from PIL import ImageFont

    path = str(wordclouds.font_path())
    kept, own = cloudlayout._open(path, 23), ImageFont.truetype(path, 23)
    asked = [("法治政府", {}), ("法治政府", {"anchor": "lt"}), ("依法行政", {"anchor": "lt"}), ("依法", {"anchor": "ls"})]
    for _ in range(2):
        for word, named in asked:
            assert kept.getbbox(word, **named) == own.getbbox(word, **named), (word, named)
            for start in ((0, 0), (0.5, 0.25)):
                mask, theirs = (
                    kept.getmask(word, "L", anchor=named.get("anchor"), start=start),
                    own.getmask(word, "L", anchor=named.get("anchor"), start=start),
                )
                assert (mask.size, bytes(mask)) == (theirs.size, bytes(theirs)), (word, named, start)
    assert kept.getbbox.cache_info().misses == len(asked) and kept.getbbox.cache_info().hits == len(asked)
    assert kept.getmask.cache_info().misses == 2 * len(asked) and kept.getmask.cache_info().hits == 2 * len(asked)
    assert kept.getbbox("法治", features=["-kern"]) == own.getbbox("法治", features=["-kern"])  # a list: asked of the font
    assert kept.getbbox.cache_info().misses == len(asked)


def test_the_map_of_taken_pixels_brought_up_to_date_from_a_words_pixels_holds_wordclouds_numbers():
    """``cloudlayout._Occupancy`` adds the sums of the pixels a word added; wordcloud sums again from the word's corner.  The same
    integral image after every word, and after a word with a pixel left of its corner (wordcloud's own update from then on)."""
    from wordcloud.wordcloud import IntegralOccupancyMap

    height, width = 40, 60
    theirs, ours = IntegralOccupancyMap(height, width, None), cloudlayout._Occupancy(IntegralOccupancyMap)(height, width, None)
    image = np.zeros((height, width), dtype=np.uint8)
    rng = np.random.default_rng(7)
    # (corner, box of the pixels drawn): inside the corner's quadrant, then one reaching left of its corner, then inside again
    steps = [((5, 8), (6, 12, 9, 30)), ((20, 3), (22, 30, 3, 20)), ((10, 40), (12, 18, 38, 55)), ((30, 10), (31, 39, 10, 50))]
    for (x, y), (r0, r1, c0, c1) in steps:
        image = image.copy()
        image[r0:r1, c0:c1] = np.maximum(image[r0:r1, c0:c1], rng.integers(0, 256, size=(r1 - r0, c1 - c0), dtype=np.uint8))
        theirs.update(image, x, y)
        ours.update(image, x, y)
        assert np.array_equal(theirs.integral, ours.integral), (x, y)
    truth = np.cumsum(np.cumsum(image.astype(np.int64), axis=1), axis=0)
    assert not np.array_equal(theirs.integral, truth)  # the third word's pixels left of its corner: wordcloud's numbers, not the sums


def test_the_map_brought_up_to_date_from_where_a_word_was_pasted_holds_wordclouds_numbers(monkeypatch):
    """Inside ``fast_layout`` the drawing notes where it pasted each word (``cloudlayout._Pasted``), and the map adds the
    sums of that box without comparing the images (``_changed``): wordcloud's integral image after every word.  A word
    pasted left of the corner it is said to be at is found by comparing, and wordcloud's own update runs."""
    import wordcloud.wordcloud as module
    from PIL import Image
    from wordcloud.wordcloud import IntegralOccupancyMap

    compared = []
    monkeypatch.setattr(cloudlayout, "_changed", lambda after, before, _f=cloudlayout._changed: compared.append(1) or _f(after, before))
    height, width = 60, 140
    theirs = IntegralOccupancyMap(height, width, None)
    with cloudlayout.fast_layout():
        ours = module.IntegralOccupancyMap(height, width, None)
        image = Image.new("L", (width, height))
        draw = module.ImageDraw.Draw(image)  # as wordcloud draws: a size of the font, turned or not
        font = module.ImageFont.TransposedFont(module.ImageFont.truetype(str(wordclouds.font_path()), 15), orientation=None)
        # (row, column) of each word's corner, as wordcloud gives them to update; drawn at (column, row)
        for (x, y), word in [((4, 6), "法治政府"), ((25, 50), "依法行政"), ((40, 3), "执法"), ((2, 90), "普法宣传")]:
            draw.text((y, x), word, fill="white", font=font)
            array = np.asarray(image)
            theirs.update(array, x, y)
            ours.update(array, x, y)
            assert np.array_equal(theirs.integral, ours.integral), word
        assert compared == []  # each box came from the drawing
        draw.text((110, 30), "复议", fill="white", font=font)
        array = np.asarray(image)
        theirs.update(array, 30, 118)  # the word begins left of the corner: compared, then wordcloud's own update
        ours.update(array, 30, 118)
    assert compared == [1]
    assert np.array_equal(theirs.integral, ours.integral)
    assert module.ImageDraw.Draw(Image.new("L", (4, 4))).draw.__class__.__name__ == "ImagingDraw"  # PIL's own outside the block


def test_every_cloud_is_laid_out_and_coloured_as_by_wordcloud_itself(terms, monkeypatch):
    """The map of taken pixels kept up to date (``cloudlayout._Occupancy``) and the colours looked up (``_ColormapColors``) give
    the five towns' clouds and the corpus's the layout, colours and SVG wordcloud gives alone."""
    from contextlib import nullcontext

    from wordcloud.wordcloud import colormap_color_func

    tables = [frequency.counts(terms[terms["town"] == town]) for town in sorted(terms["town"].unique())] + [frequency.counts(terms)]
    ours = [wordclouds.cloud_image(table, max_words=120) for table in tables]
    monkeypatch.setattr(cloudlayout, "fast_layout", nullcontext)  # the fonts kept open are tested on their own
    monkeypatch.setattr(cloudlayout, "colormap_colors", colormap_color_func)
    for table, mine in zip(tables, ours, strict=True):
        alone = wordclouds.cloud_image(table, max_words=120)
        assert len(mine.words) > 60
        assert mine.cloud.layout_ == alone.cloud.layout_
        assert mine.svg == alone.svg


@pytest.mark.parametrize("colormap", ["viridis", "tab10", "Blues"])
def test_colours_looked_up_are_wordclouds_own(colormap):
    from random import Random

    from wordcloud.wordcloud import colormap_color_func

    theirs, ours = colormap_color_func(colormap), cloudlayout._ColormapColors(colormap)
    one, two = Random(3), Random(3)
    for _ in range(20_000):
        assert ours(random_state=one) == theirs(None, None, None, None, random_state=two)
    for draw in (0.0, 1.0, 0.5, 1 / 3, np.nextafter(1.0, 0.0)):
        assert ours(random_state=cloudlayout._Draw(draw)) == theirs(None, None, None, None, random_state=cloudlayout._Draw(draw))


def test_a_cloud_drawn_in_a_run_uses_its_cut_of_the_font_and_gives_the_same_pixels(reports, terms, tmp_path, monkeypatch):
    """In a run of briefings the clouds are drawn from the run font (a CFF cut of the font): the same layout and pixels, Latin words included."""
    monkeypatch.delenv(fonts.RUN_FONT_ENV, raising=False)
    counts = frequency.counts(terms[terms["town"] == "双庙镇"])
    words = {**wordclouds.frequencies(counts, top=80), "APP": 9.0, "12348热线": 8.0, "Wi-Fi": 7.0, "AAA级": 6.0}
    full = wordclouds.cloud(words, max_words=90, width=800, height=480)
    cut_file = fonts.write_run_font(reports["text"], tmp_path / "run.otf")
    assert cut_file.stat().st_size < fonts.font_path().stat().st_size / 10
    monkeypatch.setenv(fonts.RUN_FONT_ENV, str(cut_file))
    cut = wordclouds.cloud(words, max_words=90, width=800, height=480)
    assert Path(full.font_path) == fonts.font_path() and Path(cut.font_path) == cut_file
    assert {"APP", "Wi-Fi", "12348热线"} <= set(wordclouds.drawn_words(cut))
    assert cut.layout_ == full.layout_
    # the cut is small: every size it was opened at stays open for the next cloud, which opens next to none again
    assert cloudlayout._small(str(cut_file)) and not cloudlayout._small(str(fonts.font_path()))
    opened = cloudlayout._open_small.cache_info().misses
    assert cloudlayout._open_small.cache_info().currsize >= 100
    again = wordclouds.cloud({**words, "法治": 10.0}, max_words=90, width=800, height=480)
    assert Path(again.font_path) == cut_file
    assert cloudlayout._open_small.cache_info().misses - opened < 10
    with cloudlayout.fast_layout():
        np.testing.assert_array_equal(cut.to_array(), full.to_array())
    # a word with a character the run font lacks is drawn from the full font, which has it
    assert fonts.drawing_font("龘法治") == fonts.font_path() and fonts.drawing_font("法治") == cut_file
    assert fonts.drawing_font("法治", DEJAVU) == DEJAVU  # another font is never swapped for the cut


@pytest.mark.parametrize("town", ["神树镇", "上社镇"])
def test_no_two_words_of_a_cloud_overlap(terms, town):
    """A town's cloud as its briefing draws it: each placed word drawn alone at full size shares no pixel with another.

    The words are placed on a canvas DRAW_SCALE times smaller; without the
    gap of MARGIN_PX, words drawn at full size touch where the small canvas
    saw room between them.
    """
    from PIL import Image, ImageDraw, ImageFont

    cloud = wordclouds.cloud(frequency.counts(terms[terms["town"] == town]), max_words=120, width=1000, height=600)
    scale = cloud.scale
    assert scale > 1 and len(cloud.layout_) >= 100
    drawn = np.zeros((cloud.height * scale, cloud.width * scale), dtype=np.uint8)
    for (word, _), size, (y, x), _, _ in cloud.layout_:
        alone = Image.new("L", (cloud.width * scale, cloud.height * scale))
        ImageDraw.Draw(alone).text(
            (x * scale, y * scale), word, fill=255, font=ImageFont.truetype(cloud.font_path, size * scale), anchor="lt"
        )
        drawn += np.asarray(alone) > 127
    assert (drawn > 1).sum() == 0


def test_a_cloud_image_is_wordclouds_own_svg_with_its_font(terms):
    """The town briefing's cloud: wordcloud's SVG of the layout (each word where its picture has it), cut to the size
    asked for, carrying the font cut to its characters; ``to_png`` is wordcloud's own picture of it."""
    import base64
    import io
    import re
    import xml.etree.ElementTree as ET

    from fontTools.ttLib import TTFont
    from PIL import Image

    counts = frequency.counts(terms[terms["town"] == "神树镇"])
    shown = wordclouds.cloud_image(counts, max_words=60, width=1000, height=600)  # 1000 is not a multiple of DRAW_SCALE
    reference = wordclouds.cloud(counts, max_words=60, width=1000, height=600)
    with cloudlayout.fast_layout():
        theirs, pixels = ET.fromstring(reference.to_svg()), reference.to_array()
    svg = ET.fromstring(shown.svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert (svg.get("width"), svg.get("height"), svg.get("viewBox")) == ("1000", "600", "0 0 1000 600")  # cut, as the PNG was

    def words(root):
        return [(t.text, t.get("transform"), t.get("font-size"), t.get("style")) for t in root.iter(f"{ns}text")]

    assert words(svg) == words(theirs) and [w for w, *_ in words(svg)] == list(shown.words) == wordclouds.drawn_words(reference)
    style = "".join(t.text for t in svg.iter(f"{ns}style"))
    assert f"font-family:{wordclouds.CLOUD_FONT_FAMILY}" in style.replace("@font-face{font-family:", "")  # the words' own
    font = TTFont(io.BytesIO(base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", style).group(1))))
    assert set("".join(shown.words)) <= {chr(c) for c in font.getBestCmap()} and "CFF " in font
    picture = Image.open(io.BytesIO(shown.to_png()))
    assert picture.format == "PNG" and picture.size == (1000, 600)
    np.testing.assert_array_equal(np.asarray(picture.convert("RGB")), pixels[:600, :1000])
    assert shown.words[0] in set(counts.nlargest(3, "count")["token"])
    tag = shown._repr_html_()
    assert tag.startswith('<img src="data:image/svg+xml;base64,') and 'width="1000" height="600" alt="词云"' in tag
    assert base64.b64decode(tag.split("base64,")[1].split('"')[0]).decode("utf-8") == shown.svg
    assert "svg" not in repr(shown) and "词云" in repr(shown)
    with pytest.warns(FrequencyWarning):
        empty = wordclouds.cloud_image(counts.iloc[0:0])
    assert empty.svg is None and empty.to_png() is None and wordclouds.EMPTY_MESSAGE in empty._repr_html_()


def test_frequencies_apply_stopwords():
    table = pd.DataFrame({"token": ["的", "进一步", "法治", "群众", "12345", "法治"], "count": [50, 40, 5, 3, 2, 1]})
    assert wordclouds.frequencies(table) == {"法治": 6.0, "群众": 3.0, "12345": 2.0}
    assert wordclouds.frequencies(table, extra_stopwords=["群众"]) == {"法治": 6.0, "12345": 2.0}
    assert wordclouds.frequencies({"b": 1, "a": 1, "c": 0}) == {"a": 1.0, "b": 1.0}  # ties by term, zero dropped
    assert list(wordclouds.frequencies(table, top=1)) == ["法治"]


def test_empty_input_gives_figures_not_exceptions(tmp_path):
    with pytest.raises(AnalysisError, match="no words to draw"):
        wordclouds.cloud({"的": 3})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FrequencyWarning)
        empty = frequency.counts(frequency.terms(load_corpus(tmp_path, warn=False).reports), by="town")
    assert empty.empty and "town" in empty.columns
    for make in (
        lambda: wordclouds.cloud_figure(empty),
        lambda: wordclouds.cloud_grid(empty, by="town"),
        lambda: wordclouds.comparison_cloud(empty, by="town"),
    ):
        with pytest.warns(FrequencyWarning):
            fig = make()
        texts = [t.get_text() for ax in fig.axes for t in ax.texts]
        assert any("没有" in t or "至少" in t for t in texts)
        matplotlib.pyplot.close(fig)
    with pytest.warns(FrequencyWarning, match="at least two groups") as caught:
        picture = wordclouds.comparison_cloud_image(empty, by="town")
    assert picture.svg is None and "至少" in picture._repr_html_()
    assert caught[0].filename == __file__  # the warning names the caller's line, not the library's


def test_cloud_grid_caps_the_panels(town_counts):
    fig = wordclouds.cloud_grid(town_counts, by="town", max_panels=2, ncols=2)
    titles = [ax.get_title() for ax in fig.axes if ax.images]
    # the two towns with the most counted tokens: 上社镇 (longest report) then 都督乡
    assert titles == ["上社镇", "都督乡"]
    assert "显示 2 / 5" in fig._suptitle.get_text()
    matplotlib.pyplot.close(fig)
    with pytest.warns(FrequencyWarning, match="不存在镇"):
        fig = wordclouds.cloud_grid(town_counts, by="town", groups=["神树镇", "不存在镇"])
    assert [ax.get_title() for ax in fig.axes if ax.images] == ["神树镇"]
    matplotlib.pyplot.close(fig)


def test_cloud_grid_html_shows_the_same_towns_as_pictures(town_counts):
    """The word-frequency briefing's grid: the towns cloud_grid picks, each the picture cloud_image draws, under its name."""
    import base64

    grid = wordclouds.cloud_grid_html(town_counts, by="town", max_panels=2)
    assert [caption for caption, _ in grid.clouds] == ["上社镇", "都督乡"] and grid.title == "显示 2 / 5 个（按词数最多者）"
    alone = wordclouds.cloud_image(town_counts[town_counts["town"] == "都督乡"], max_words=60, width=420, height=300)
    assert grid.clouds[1][1].svg == alone.svg and grid.clouds[1][1].words == alone.words
    shown = grid._repr_html_()
    assert shown.count("<img ") == 2 and "<figcaption>上社镇</figcaption>" in shown and 'alt="都督乡的词云"' in shown
    assert base64.b64encode(alone.svg.encode("utf-8")).decode("ascii") in shown and "显示 2 / 5 个" in shown
    every = wordclouds.cloud_grid_html(town_counts, by="town", groups=["神树镇", "双庙镇"])
    assert [caption for caption, _ in every.clouds] == ["神树镇", "双庙镇"] and every.title == ""  # as asked, nothing left out
    odd = pd.DataFrame({"town": ["<b>甲镇</b>"], "token": ["执法"], "count": [3]})
    assert "&lt;b&gt;甲镇&lt;/b&gt;" in wordclouds.cloud_grid_html(odd, by="town")._repr_html_()
    with pytest.warns(FrequencyWarning):
        empty = wordclouds.cloud_grid_html(town_counts.iloc[0:0], by="town")
    assert empty._repr_html_() == f"<p>{wordclouds.EMPTY_MESSAGE}</p>" and repr(empty) == wordclouds.EMPTY_MESSAGE
    with pytest.raises(OptionError):
        wordclouds.cloud_grid_html(town_counts, by="year_and_town")


def test_comparison_weights_give_each_town_its_own_name(town_counts):
    weights = wordclouds.comparison_weights(town_counts, by="town")
    owner = weights.set_index("token")["town"]
    for town in ["神树镇", "乌马河镇", "双庙镇"]:  # each name is written only in its own report
        assert owner[town] == town
    assert (weights["weight"] > 0).all()
    assert weights["token"].is_unique


def test_comparison_cloud(town_counts):
    fig = wordclouds.comparison_cloud(town_counts, by="town", size=500)
    labels = sorted(t.get_text() for t in fig.axes[0].texts)
    assert labels == sorted(["上社镇", "乌马河镇", "双庙镇", "神树镇", "都督乡"])
    image = fig.axes[0].images[0].get_array()
    assert (np.asarray(image) < 250).any()  # words were drawn
    matplotlib.pyplot.close(fig)
    with pytest.warns(FrequencyWarning, match="at least two groups"):
        fig = wordclouds.comparison_cloud(town_counts[town_counts["town"] == "神树镇"], by="town")
    matplotlib.pyplot.close(fig)


def test_a_comparison_cloud_image_puts_each_towns_words_in_its_own_sector(town_counts):
    """The word-frequency briefing's comparison cloud as SVG: three of the five towns (the largest), each town's
    name in its colour at the middle of its sector, each word coloured as the town that over-uses it most and
    standing in that town's sector; the title above, the towns left out said below, the font cut to it all."""
    import base64
    import io
    import re
    import xml.etree.ElementTree as ET

    from fontTools.ttLib import TTFont

    image = wordclouds.comparison_cloud_image(town_counts, by="town", max_groups=3, size=600, title="比较词云")
    svg = ET.fromstring(image.svg)
    ns = "{http://www.w3.org/2000/svg}"
    texts = list(svg.iter(f"{ns}text"))
    color = {t.text: t.get("style").removeprefix("fill:") for t in texts}
    largest = frequency.largest_groups(town_counts, by="town")[:3]
    assert list(image.groups) == largest and len(largest) == 3
    assert [color[town] for town in largest] == list(wordclouds.GROUP_COLORS[:3])  # the sectors counter-clockwise from the top
    assert "比较词云" in color and "显示 3 / 5 个组（按词数最多者）" in color
    owner = wordclouds.comparison_weights(town_counts, by="town", groups=largest).set_index("token")["town"]
    placed = [t for t in texts if t.get("transform")]  # the words, placed by wordcloud; the names and notes by x and y
    assert [t.text for t in placed] == list(image.words) and len(placed) > 60
    step = 2 * np.pi / 3
    for word in placed:
        town = owner[word.text]
        assert word.get("style") == f"fill:{color[town]}"
        x, y = map(float, re.fullmatch(r"translate\(([-\d.e]+),([-\d.e]+)\)", word.get("transform")).groups())
        size = float(word.get("font-size"))
        cx, cy = x + len(word.text) * size / 2, y - size / 2  # about the middle of a horizontal CJK word
        angle = np.mod(np.arctan2(300 - cy, cx - 300), 2 * np.pi)
        start = np.pi / 2 + largest.index(town) * step
        past = np.mod(angle - start + 0.15, 2 * np.pi) - 0.15  # how far into its sector, counter-clockwise
        assert -0.15 < past < step + 0.15, (word.text, town)  # its own sector, or either edge
        assert np.hypot(cx - 300, cy - 300) < 300
    for town, sector in zip(largest, range(3)):  # the names just outside the circle, in their sectors' middles
        name = next(t for t in texts if t.text == town and not t.get("transform"))
        middle = np.pi / 2 + (sector + 0.5) * step
        assert float(name.get("x")) == pytest.approx(300 + np.cos(middle) * 336, abs=0.1)
        assert float(name.get("y")) == pytest.approx(300 - np.sin(middle) * 336, abs=0.1)
    style = "".join(t.text for t in svg.iter(f"{ns}style"))
    font = TTFont(io.BytesIO(base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", style).group(1))))
    assert set("".join(t.text for t in texts)) <= {chr(c) for c in font.getBestCmap()}
    assert image.width == 600 and 'alt="比较词云"' in image._repr_html_() and "3 个组" in repr(image)
    with pytest.warns(FrequencyWarning, match="at least two groups"):
        alone = wordclouds.comparison_cloud_image(town_counts[town_counts["town"] == "神树镇"], by="town")
    assert alone.svg is None and "<p>比较词云至少需要两个组</p>" == alone._repr_html_()
    small = wordclouds.comparison_cloud_image(town_counts, by="town", size=100)  # sectors too small for a word: names only
    assert ET.fromstring(small.svg) is not None and set(small.groups) <= {t.text for t in ET.fromstring(small.svg).iter(f"{ns}text")}


@pytest.mark.parametrize("size", [101, 300])
def test_the_sectors_of_a_comparison_cloud_share_out_its_circle(size):
    """Each group's sector: together they are the inscribed circle, none overlapping; a quarter is where it is drawn."""
    from analysis.wordclouds import _sector_mask

    quarters = [_sector_mask(size, k * np.pi / 2, (k + 1) * np.pi / 2) == 0 for k in range(4)]
    assert (sum(q.astype(int) for q in quarters) <= 1).all()
    union = np.logical_or.reduce(quarters)
    middle, near = size // 2, size // 10
    assert union[middle, middle] and not union[0, 0] and not union[-1, -1] and not union[0, -1]  # the corners are outside
    assert union.sum() == pytest.approx(np.pi * (size / 2 - 2) ** 2, rel=0.05)
    top_right, top_left, bottom_left, bottom_right = (
        (middle - near, middle + near),
        (middle - near, middle - near),
        (middle + near, middle - near),
        (middle + near, middle + near),
    )
    for quarter, pixel in zip(quarters, (top_right, top_left, bottom_left, bottom_right)):  # counter-clockwise from the right
        assert quarter[pixel] and sum(q[pixel] for q in quarters) == 1
    again = _sector_mask(size, 0, np.pi / 2)
    again[:] = 7  # a mask is the caller's own: the next is made afresh
    assert (_sector_mask(size, 0, np.pi / 2) == 0).sum() == quarters[0].sum()
