"""The structure of talk: co-occurrence networks, correspondence analysis, topics, and their figures."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

import analysis
from analysis import config, cooccurrence, correspondence, plots, topics
from analysis.errors import OptionError

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def reports() -> pd.DataFrame:
    return analysis.load_corpus(config.DATA_RAW, warn=False).reports


def _units(*sets: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_id": [f"u{i}" for i in range(len(sets))],
            "doc_id": ["a"] * len(sets),
            "town": ["某镇"] * len(sets),
            "county": [None] * len(sets),
            "year": [2025] * len(sets),
            "role": ["achievements"] * len(sets),
            "tokens": list(sets),
        }
    )


# ------------------------------------------------------------------ co-occurrence


def test_jaccard_by_hand():
    # 普法 in 3 units, 宣传 in 3, 调解 in 2; together: 普法+宣传 2, 普法+调解 2, 宣传+调解 1
    units = _units(("普法", "宣传"), ("普法", "宣传", "调解"), ("普法", "调解"), ("宣传",))
    nodes, edges = cooccurrence.network(None, token_units=units, min_freq=2, top=10)
    got = {(s, t): j for s, t, j in zip(edges["source"], edges["target"], edges["jaccard"])}
    assert got[("宣传", "普法")] == pytest.approx(2 / 4)
    assert got[("普法", "调解")] == pytest.approx(2 / 3, abs=1e-4)  # rounded to 4 places
    assert got[("宣传", "调解")] == pytest.approx(1 / 4)
    assert list(edges["jaccard"]) == sorted(edges["jaccard"], reverse=True)
    # the minimum frequency drops 调解 (2 units) and its edges
    nodes, edges = cooccurrence.network(None, token_units=units, min_freq=3, top=10)
    assert set(nodes["term"]) == {"普法", "宣传"} and len(edges) == 1
    # only the strongest edge
    nodes, edges = cooccurrence.network(None, token_units=units, min_freq=2, top=1)
    assert list(zip(edges["source"], edges["target"])) == [("普法", "调解")]


def test_network_of_the_reports(reports):
    nodes, edges = cooccurrence.network(reports, min_freq=3, top=60)
    assert 0 < len(edges) <= 60
    assert (nodes["group"] == cooccurrence.ALL).all()
    pairs = {frozenset((s, t)): j for s, t, j in zip(edges["source"], edges["target"], edges["jaccard"])}
    # by reading: every sentence that names the 12345 line calls it a 热线 (four reports)
    assert pairs[frozenset(("12345", "热线"))] == 1.0
    # every node is on an edge and has a community; colours repeat run after run
    assert set(nodes["term"]) == set(edges["source"]) | set(edges["target"])
    assert (nodes["community"] >= 1).all()
    again = cooccurrence.network(reports, min_freq=3, top=60)
    pd.testing.assert_frame_equal(nodes, again[0])
    pd.testing.assert_frame_equal(edges, again[1])


def test_network_per_group(reports):
    nodes, edges = cooccurrence.network(reports, by="town", min_freq=2, top=20)
    assert set(edges["group"]) == set(reports["town"])
    assert edges.groupby("group").size().max() <= 20
    paragraphs = cooccurrence.units(reports, unit="paragraph")
    sentences = cooccurrence.units(reports, unit="sentence")
    assert len(paragraphs) < len(sentences)
    with pytest.raises(OptionError):
        cooccurrence.network(reports, by="nonsense")
    with pytest.raises(OptionError):
        cooccurrence.units(reports, unit="page")


def _words_by_report(words: pd.DataFrame) -> dict[str, list[tuple[int, str]]]:
    """(offset, word) of each word of a frequency.terms table, by report, in the table's order."""
    by_doc: dict[str, list[tuple[int, str]]] = {}
    for doc_id, start, token in zip(words["doc_id"], words["start"], words["token"]):
        by_doc.setdefault(doc_id, []).append((start, token))
    return by_doc


@pytest.mark.parametrize("unit", cooccurrence.UNITS)
def test_a_units_tokens_are_the_words_that_start_in_it(reports, unit):
    """Each sentence (paragraph) holds the distinct words of frequency.terms whose first character lies in it, sorted;
    title lines and units without a word are left out (checked here by walking every unit's span)."""
    from analysis import frequency, structure

    words = frequency.terms(reports)
    spans = structure.sentences(reports) if unit == "sentence" else structure.paragraphs(reports)
    by_doc = _words_by_report(words)
    expected = []
    for doc_id, start, end, role in zip(spans["doc_id"], spans["start"], spans["end"], spans["role"]):
        inside = tuple(sorted({token for at, token in by_doc.get(doc_id, []) if start <= at < end}))
        if role != "title" and inside:
            expected.append((doc_id, role, inside))
    got = cooccurrence.units(reports, unit=unit)
    assert list(zip(got["doc_id"], got["role"], got["tokens"])) == expected
    assert any("12345" in tokens and "热线" in tokens for tokens in got["tokens"])  # the hotline sentences of four reports
    pd.testing.assert_frame_equal(cooccurrence.units(reports, unit=unit, terms=words), got)


@pytest.mark.parametrize("keep_places", [False, True])
def test_a_topic_document_is_a_paragraphs_words_in_order(reports, keep_places):
    """One document per paragraph that is no heading and no title: the words of frequency.terms that start in it,
    in the text's order, the reports' own town and county left out unless asked; reports by doc_id, then paragraphs
    (checked here by walking every paragraph's span)."""
    from analysis import frequency, structure

    own = {  # each report's own town and county (and the two written together)
        doc_id: {town, county, f"{county}{town}"} for doc_id, town, county in zip(reports["doc_id"], reports["town"], reports["county"])
    }
    by_doc = _words_by_report(frequency.terms(reports))
    paras = structure.paragraphs(reports)
    expected = []
    for doc_id, para_no, start, end, heading, role in sorted(
        zip(paras["doc_id"], paras["para_no"], paras["start"], paras["end"], paras["is_heading"], paras["role"])
    ):
        inside = [token for at, token in sorted(by_doc.get(doc_id, [])) if start <= at < end]
        inside = [token for token in inside if keep_places or token not in own[doc_id]]
        if not heading and role != "title" and len(inside) >= topics.MIN_TOKENS:
            expected.append((doc_id, para_no, inside))
    got = topics.documents(reports, keep_places=keep_places)
    assert list(zip(got["doc_id"], got["para_no"], got["tokens"])) == expected
    assert keep_places == any(token in own[d] for d, tokens in zip(got["doc_id"], got["tokens"]) for token in tokens)


# ------------------------------------------------------------------ correspondence analysis

SMOKING = pd.DataFrame(
    [[4, 2, 3, 2], [4, 3, 7, 4], [25, 10, 12, 4], [18, 24, 33, 13], [10, 6, 7, 2]],
    index=pd.Index(["SM", "JM", "SE", "JE", "SC"], name="staff"),
    columns=pd.Index(["none", "light", "medium", "heavy"], name="smoking"),
)


def test_correspondence_analysis_against_the_textbook():
    """Greenacre, Correspondence Analysis in Practice, the smoking data: principal inertias, coordinates, quality."""
    result = correspondence.fit(SMOKING)
    assert result.total_inertia == pytest.approx(0.08519, abs=1e-4)
    assert list(result.inertia["eigenvalue"]) == pytest.approx([0.07476, 0.01002], abs=1e-4)
    assert list(result.inertia["share"]) == pytest.approx([0.878, 0.118], abs=1e-3)
    rows = result.rows.set_index("label")
    # principal coordinates (the sign of an axis is arbitrary)
    expected = {"SM": (-0.066, 0.194), "JM": (0.259, 0.243), "SE": (-0.381, 0.011), "JE": (0.233, -0.058), "SC": (-0.201, -0.079)}
    sign = np.sign(rows.loc["SE", "dim1"]) * -1, np.sign(rows.loc["SM", "dim2"])
    for label, (x, y) in expected.items():
        assert sign[0] * rows.loc[label, "dim1"] == pytest.approx(x, abs=2e-3)
        assert sign[1] * rows.loc[label, "dim2"] == pytest.approx(y, abs=2e-3)
    columns = result.columns.set_index("label")
    assert sign[0] * columns.loc["none", "dim1"] == pytest.approx(-0.393, abs=2e-3)
    assert sign[1] * columns.loc["heavy", "dim2"] == pytest.approx(0.198, abs=2e-3)
    # quality of the two-dimensional display: SM 0.893, JM 0.991
    assert rows.loc["SM", "quality"] == pytest.approx(0.893, abs=2e-3)
    assert rows.loc["JM", "quality"] == pytest.approx(0.991, abs=2e-3)


def test_towns_by_terms_and_themes(reports):
    table = correspondence.term_table(reports, top=30)
    assert table.shape == (5, 30)
    assert not set(table.columns) & set(reports["town"])  # a town's own name says nothing
    result = correspondence.fit(table)
    assert set(result.rows["label"]) == set(reports["town"])
    assert result.inertia["share"].sum() <= 1
    themes = correspondence.theme_table(reports)
    assert themes.index.name == "town" and themes.to_numpy().sum() > 0
    by_year = correspondence.term_table(reports, rows="year", top=10)
    assert list(by_year.index) == ["2024", "2025"]
    with pytest.raises(OptionError):
        correspondence.fit(by_year)  # two rows: nothing to reduce


def test_term_table_counts_the_top_terms_of_every_row():
    """Counted by hand: the two most frequent terms are 执法 (4) and 普法 (3); 丙镇 uses neither and keeps a row of zeros."""
    terms = pd.DataFrame(
        {
            "doc_id": ["a"] * 5 + ["b"] * 3 + ["c"] * 2,
            "town": ["甲镇"] * 5 + ["乙镇"] * 3 + ["丙镇"] * 2,
            "token": ["执法", "执法", "普法", "调解", "执法", "普法", "普法", "执法", "网格", "调解"],
        }
    )
    table = correspondence.term_table(terms[["doc_id", "town"]].drop_duplicates(), terms=terms, top=2, keep_places=True)
    assert table.index.name == "town" and table.columns.name == "term" and list(table.columns) == ["执法", "普法"]
    assert table.to_dict("index") == {"丙镇": {"执法": 0, "普法": 0}, "乙镇": {"执法": 1, "普法": 2}, "甲镇": {"执法": 3, "普法": 1}}


# ------------------------------------------------------------------ topics


def test_topics_repeat_with_the_seed(reports):
    first = topics.fit(reports, n_topics=4, seed=7)
    second = topics.fit(reports, n_topics=4, seed=7)
    pd.testing.assert_frame_equal(first.topics, second.topics)
    pd.testing.assert_frame_equal(first.shares, second.shares)
    assert len(first.topics) == 4
    assert first.topics["share"].sum() == pytest.approx(1, abs=1e-3)
    per_report = first.shares.groupby("doc_id")["share"].sum()
    assert per_report.to_numpy() == pytest.approx(np.ones(len(per_report)), abs=1e-3)
    # by reading: every report has a 普法 part, so some topic is about it
    assert any("普法" in terms for terms in first.topics["top_terms"])
    assert first.topics["label"].str.startswith("主题").all()


def test_lda_and_bad_options(reports):
    model = topics.fit(reports, n_topics=3, method="lda")
    assert set(model.shares["topic"]) == {1, 2, 3}
    with pytest.raises(OptionError):
        topics.fit(reports, n_topics=1)
    with pytest.raises(OptionError):
        topics.fit(reports, method="bert")
    with pytest.raises(OptionError):
        topics.fit(reports.head(1), n_topics=50)


# ------------------------------------------------------------------ figures


def test_figures_draw_and_say_when_empty(reports):
    nodes, edges = cooccurrence.network(reports, min_freq=3, top=30)
    assert plots.network_chart(nodes, edges).axes
    by_town = cooccurrence.network(reports, by="town", min_freq=2, top=10)
    assert len(plots.network_facets(*by_town, max_panels=2).axes) == 2
    assert plots.biplot(correspondence.fit(SMOKING)).axes
    model = topics.fit(reports, n_topics=3)
    assert plots.topic_terms_chart(model).axes
    assert plots.topic_shares_chart(model).axes
    empty = plots.network_chart(nodes.iloc[0:0], edges.iloc[0:0])
    assert "没有" in empty.axes[0].texts[0].get_text()
    matplotlib.pyplot.close("all")


def _drawn(svg: str) -> dict:
    """The dots (centre, radius, colour), triangles, lines and words of a chart of points' SVG."""
    import re

    def numbers(tag: str, names: tuple[str, ...]) -> list[tuple[float, ...]]:
        found = []
        for attrs in re.findall(rf"<{tag} ([^>]*)>", svg):
            values = dict(re.findall(r'([\w-]+)="([^"]*)"', attrs))
            found.append(tuple(float(values[n]) if n not in ("fill",) else values[n] for n in names))
        return found

    return {
        "dots": numbers("circle", ("cx", "cy", "r", "fill")),
        "triangles": re.findall(r"<polygon ", svg),
        "lines": numbers("line", ("x1", "y1", "x2", "y2", "stroke-width")),
        "words": re.findall(r"<text [^>]*>([^<]*)</text>", svg),
    }


def test_the_network_drawn_by_the_browser_is_the_figures_network(reports):
    """``network_chart_html`` puts each word where ``network_chart`` does (the same seeded layout, one scale across and
    up, y upwards), its dot as large (√area pt across) and in its community's colour, one line per edge, widths by Jaccard."""
    from analysis.plots import talk

    nodes, edges = cooccurrence.network(reports, min_freq=3, top=40)
    chart = plots.network_chart_html(nodes, edges)
    drawn = _drawn(chart.svg())
    assert drawn["words"] == nodes["term"].tolist() and len(drawn["lines"]) == len(edges) and not drawn["triangles"]
    pos, widths, sizes = talk._network_drawn(nodes, edges, seed=config.RANDOM_SEED)
    layout = np.array([pos[t] for t in nodes["term"]])
    centres = np.array([(x, y) for x, y, _, _ in drawn["dots"]])
    # one scale and a shift map the layout onto the picture (y turned upside down): the same shape
    scale = (centres[:, 0].max() - centres[:, 0].min()) / (layout[:, 0].max() - layout[:, 0].min())
    assert scale > 0
    np.testing.assert_allclose(centres[:, 0], (layout[:, 0] - layout[:, 0].min()) * scale + centres[:, 0].min(), atol=0.15)
    np.testing.assert_allclose(centres[:, 1], (layout[:, 1].max() - layout[:, 1]) * scale + centres[:, 1].min(), atol=0.15)
    np.testing.assert_allclose([r for _, _, r, _ in drawn["dots"]], np.sqrt(sizes) / 2 * 100 / 72, atol=0.15)
    assert [f for *_, f in drawn["dots"]] == [talk._community_color(int(c)) for c in nodes["community"]]
    np.testing.assert_allclose([w for *_, w in drawn["lines"]], np.array(widths) * 100 / 72, atol=0.15)
    # the figure draws the same words at the same places
    fig = plots.network_chart(nodes, edges)
    texts = fig.axes[0].texts
    assert [t.get_text() for t in texts] == nodes["term"].tolist()
    np.testing.assert_allclose([t.get_position() for t in texts], layout)
    matplotlib.pyplot.close("all")


def test_the_networks_of_each_town_and_the_biplot_drawn_by_the_browser(reports):
    """The towns' networks are those of the figure, in its order, its heading saying how many are shown; the biplot
    labels the points the figure labels, names its axes and title as the figure does, and draws every point."""
    by_town = cooccurrence.network(reports, by="town", min_freq=2, top=10)
    grid, figure = plots.network_facets_html(*by_town, max_panels=2), plots.network_facets(*by_town, max_panels=2)
    assert [chart.title for chart in grid.charts] == [ax.get_title() for ax in figure.axes]
    assert grid.wide and grid.title == "仅显示共现最多的2组（共5组）"  # five towns, two drawn
    page = grid.to_html()
    assert page.count("<svg ") == 2 and page.count("figure.analysis-points svg {") == 1  # the style once
    result = correspondence.fit(SMOKING)
    figure, chart = plots.biplot(result, max_labels=2), plots.biplot_html(result, max_labels=2)
    ax, drawn = figure.axes[0], _drawn(chart.svg())
    assert drawn["words"] == [ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts)]
    assert len(ax.texts) == 4 and chart.title == ax.get_title()  # two rows and two columns labelled
    assert len(drawn["dots"]) == len(result.rows) and len(drawn["triangles"]) == len(result.columns)
    matplotlib.pyplot.close("all")


def test_the_topic_shares_drawn_by_the_browser_are_the_figures(reports):
    """The same reports and topics, each cell in the colour of the figure's image, its share written on it."""
    from matplotlib.colors import to_hex

    model = topics.fit(reports, n_topics=3)
    figure, heat = plots.topic_shares_chart(model, max_rows=4), plots.topic_shares_chart_html(model, max_rows=4)
    ax = figure.axes[0]
    image = ax.images[0]
    assert heat.colors.to_numpy().tolist() == [
        [to_hex(c) for c in row] for row in image.to_rgba(np.asarray(image.get_array(), dtype=float))
    ]
    assert list(heat.colors.index) == [t.get_text() for t in ax.get_yticklabels()] and len(heat.colors) == 4
    assert list(heat.colors.columns) == [t.get_text() for t in ax.get_xticklabels()]
    assert heat.title == ax.get_title() == "各报告的主题构成（仅显示前4份，共5份）"
    share = model.share_table().iloc[0, 2]
    assert heat.texts.iloc[0, 0] == f"{share:.0%}"
    matplotlib.pyplot.close(figure)


def test_charts_drawn_by_the_browser_say_when_empty(reports):
    nodes, edges = cooccurrence.network(reports, min_freq=3, top=30)
    for chart in (plots.network_chart_html(nodes.iloc[0:0], edges.iloc[0:0]), plots.network_facets_html(nodes.iloc[0:0], edges.iloc[0:0])):
        assert "没有达到最低频次的共现词语" in chart.to_html() and "<svg" not in chart.to_html()


def test_network_figure_is_the_same_whatever_the_hash_seed():
    """Sets of words iterate in an order that changes with PYTHONHASHSEED; the layout must not depend on it."""
    import os
    import subprocess
    import sys

    script = (
        "import hashlib, io, matplotlib; matplotlib.use('Agg');"
        "import analysis; from analysis import config, cooccurrence, plots;"
        "r = analysis.load_corpus(config.DATA_RAW, warn=False).reports;"
        "fig = plots.network_chart(*cooccurrence.network(r, min_freq=3, top=40));"
        "b = io.BytesIO(); fig.savefig(b, format='png', metadata={'Software': None});"
        "print(hashlib.sha256(b.getvalue()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def _spring_layout_part_by_part(graph, seed: int) -> dict:
    """The network's layout as networkx gives it, each connected part laid out from its own words (the reference)."""
    import networkx as nx

    parts = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    sides = [max(1.0, float(np.sqrt(len(c)))) for c in parts]
    limit = max(max(sides), float(np.sqrt(sum(side * side for side in sides))) * 1.3)
    pos, x, y, row_height = {}, 0.0, 0.0, 0.0
    for part, side in zip(parts, sides):
        if x > 0 and x + side > limit:
            x, y, row_height = 0.0, y - row_height, 0.0
        centre = np.array([x + side / 2, y - side / 2])
        sub = nx.Graph()
        sub.add_nodes_from(part)
        sub.add_edges_from(sorted((a, b) for a, b in graph.edges(part)))
        if len(part) == 1:
            local = {part[0]: np.zeros(2)}
        else:
            local = nx.spring_layout(sub, seed=seed, weight=None, k=1.5 / np.sqrt(len(part)), iterations=200, scale=0.38 * side)
        pos.update({node: centre + np.asarray(xy) for node, xy in local.items()})
        x, row_height = x + side, max(row_height, side)
    return pos


@pytest.mark.parametrize("seed", [42, 7])
def test_a_part_laid_out_once_per_shape_is_where_its_own_layout_puts_it(reports, seed):
    """Parts of the same shape share one layout (``_part_layout``); every word still lands where networkx puts it."""
    import networkx as nx

    from analysis.plots import talk

    whole = cooccurrence.network(reports, min_freq=3, top=60)
    nodes, edges = cooccurrence.network(reports, by="town", min_freq=2, top=30)
    networks = [whole] + [(nodes[nodes["group"] == g], edges[edges["group"] == g]) for g in edges["group"].unique()]
    talk._part_layout.cache_clear()
    for nodes, edges in networks:
        graph = nx.Graph()
        graph.add_nodes_from(nodes["term"])
        graph.add_edges_from(zip(edges["source"], edges["target"]))
        expected, laid = _spring_layout_part_by_part(graph, seed), talk._layout(graph, seed=seed)
        assert laid.keys() == expected.keys()
        assert all(np.array_equal(laid[term], expected[term]) for term in expected)
    shared = talk._part_layout.cache_info()
    assert shared.hits > shared.misses  # most parts are two or three words: their shapes repeat


def test_html_topic_chart_draws_the_panels_of_the_figure(reports):
    """07's topic terms as the browser draws them: the figure's panels, titles, words and weights, the heaviest first."""
    import dataclasses

    import matplotlib.pyplot as plt

    model = topics.fit(reports, n_topics=4)
    figure = plots.topic_terms_chart(model, top=5)
    grid = plots.topic_terms_chart_html(model, top=5)
    drawn = [ax for ax in figure.axes if ax.get_title()]
    assert len(grid.charts) == len(drawn) == 4
    for chart, ax, (k, label, share) in zip(grid.charts, drawn, model.topics[["topic", "label", "share"]].itertuples(index=False)):
        assert chart.title == ax.get_title() == f"{label}（{share:.0%}）"
        top = model.terms[(model.terms["topic"] == k) & (model.terms["rank"] <= 5)].sort_values("rank")
        assert chart.rows["label"].tolist() == top["term"].tolist() == [t.get_text() for t in ax.get_yticklabels()][::-1]
        assert chart.rows["value"].tolist() == top["weight"].tolist() == [bar.get_width() for bar in ax.patches][::-1]
        assert chart.rows["share"].iloc[0] == 1.0 and chart.rows["share"].is_monotonic_decreasing
    shown = grid.to_html()
    assert (
        shown.count('<table class="analysis-bars">') == 4 and shown.count(plots.talk.TOPIC_WEIGHT_NOTE) == 1
    )  # what the bars are, said once under the charts
    empty = dataclasses.replace(model, terms=model.terms.iloc[0:0])
    assert "没有主题" in plots.topic_terms_chart_html(empty).to_html()
    plt.close(figure)
