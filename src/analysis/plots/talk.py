"""Figures of the structure of talk: co-occurrence networks, correspondence biplots, topics."""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import config
from .html import BarChart, ChartGrid, HeatTable, bar_rows, heat_table
from .style import BAR_COLOR, LINE_COLOR, REFERENCE_COLOR, no_data, panels, use_cjk_font
from .svg import FONT_PX, PX_PER_PT, PointChart, line_rows, point_rows

__all__ = [
    "network_chart",
    "network_chart_html",
    "network_facets",
    "network_facets_html",
    "biplot",
    "biplot_html",
    "topic_terms_chart",
    "topic_terms_chart_html",
    "topic_shares_chart",
    "topic_shares_chart_html",
]

COMMUNITY_COLORS = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C", "#CCB974", "#64B5CD")
OTHER_COMMUNITY = "#BBBBBB"  # communities past the tenth, and lone nodes
AXIS_NAMES = {
    "town": "乡镇",
    "county": "县区",
    "year": "年度",
    "doc_id": "报告",
    "level": "层级",
    "role": "报告部分",
    "term": "词语",
    "theme": "问题主题",
}
NO_TOPICS = "没有主题"
NO_NETWORK = "没有达到最低频次的共现词语"
NO_BIPLOT = "没有可做对应分析的数据"
TOPIC_WEIGHT_NOTE = "条形的长短和数字是词语在该主题中的权重：权重越大，越能代表这个主题。"
ROW_COLOR = "#4C72B0"
COLUMN_COLOR = "#C44E52"


def _community_color(community: int) -> str:
    return COMMUNITY_COLORS[community - 1] if 1 <= community <= len(COMMUNITY_COLORS) else OTHER_COMMUNITY


def _layout(graph, *, seed: int) -> dict:
    """Positions of the nodes: each connected part laid out on its own (seeded spring layout), parts packed in rows.

    One spring layout over many small parts crowds each part into a dot with
    overlapping labels; here a part of *n* nodes gets a square of side about
    √n, the largest first.
    """
    import networkx as nx

    parts = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    sides = [max(1.0, float(np.sqrt(len(c)))) for c in parts]
    limit = max(max(sides), float(np.sqrt(sum(side * side for side in sides))) * 1.3)
    pos: dict = {}
    x = y = row_height = 0.0
    for part, side in zip(parts, sides):
        if x > 0 and x + side > limit:
            x, y, row_height = 0.0, y - row_height, 0.0
        centre = np.array([x + side / 2, y - side / 2])
        number = {node: i for i, node in enumerate(part)}
        links = tuple(sorted({tuple(sorted((number[a], number[b]))) for a, b in graph.edges(part) if a in number and b in number}))
        for node, xy in zip(part, _part_layout(len(part), links, seed=seed, side=side)):
            pos[node] = centre + xy
        x += side
        row_height = max(row_height, side)
    return pos


@functools.lru_cache(maxsize=1024)
def _part_layout(n: int, links: tuple[tuple[int, int], ...], *, seed: int, side: float) -> np.ndarray:
    """The seeded spring layout of one connected part: nodes 0…n-1 (the part's sorted terms), *links* between them.

    A layout depends only on the number of nodes, which of them are linked,
    the seed and the square's side, not on the words: a network's many
    two-word parts are all laid out alike (57 of the 84 parts of the five
    reports' networks), so each shape is laid out once per process
    (``networkx.spring_layout``, 200 iterations, about 12 ms a part).
    """
    if n == 1:
        return np.zeros((1, 2))
    import networkx as nx

    sub = nx.Graph()
    sub.add_nodes_from(range(n))
    sub.add_edges_from(links)
    local = nx.spring_layout(sub, seed=seed, weight=None, k=1.5 / np.sqrt(n), iterations=200, scale=0.38 * side)
    placed = np.array([local[i] for i in range(n)], dtype=float)
    placed.flags.writeable = False  # shared by every part of this shape
    return placed


def _network_drawn(nodes: pd.DataFrame, edges: pd.DataFrame, *, seed: int) -> tuple[dict, list[float], np.ndarray]:
    """What a network chart draws: each word's position (``_layout``), each edge's width (pt) and each dot's area (pt²)."""
    import networkx as nx

    graph = nx.Graph()
    for term in nodes["term"]:
        graph.add_node(term)
    for s, t, w in zip(edges["source"].tolist(), edges["target"].tolist(), edges["jaccard"].tolist()):
        graph.add_edge(s, t, weight=float(w))
    widths = [0.5 + 3.0 * float(w) for w in edges["jaccard"]]
    freq = nodes["frequency"].to_numpy(dtype=float)
    sizes = 80 + 500 * (freq - freq.min()) / (np.ptp(freq) or 1.0)
    return _layout(graph, seed=seed), widths, sizes


def _draw_network(ax, nodes: pd.DataFrame, edges: pd.DataFrame, *, seed: int, title: str | None) -> None:
    pos, widths, sizes = _network_drawn(nodes, edges, seed=seed)
    for (s, t), width in zip(zip(edges["source"], edges["target"]), widths):
        ax.plot([pos[s][0], pos[t][0]], [pos[s][1], pos[t][1]], color=REFERENCE_COLOR, linewidth=width, zorder=1, alpha=0.7)
    xy = np.array([pos[t] for t in nodes["term"]])
    ax.scatter(
        xy[:, 0], xy[:, 1], s=sizes, c=[_community_color(int(c)) for c in nodes["community"]], zorder=2, edgecolors="white", alpha=0.85
    )
    for (x, y), term in zip(xy, nodes["term"].tolist()):
        ax.text(x, y, term, ha="center", va="center", fontsize=9, zorder=3)
    ax.margins(0.08)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=11)


def network_chart(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    group: object | None = None,
    seed: int = config.RANDOM_SEED,
    title: str | None = "词语共现网络",
    ax=None,
) -> Figure:
    """One co-occurrence network: node size by frequency, colour by community, edge width by Jaccard.

    *group* picks one network of a grouped table (``cooccurrence.network(by=…)``);
    the layout is seeded, so the same network is drawn the same way.
    """
    use_cjk_font()
    if group is not None:
        nodes, edges = _one_network(nodes, edges, group)
    if nodes.empty or edges.empty:
        return no_data(NO_NETWORK, ax=ax, figsize=(6, 2))
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 7))
    _draw_network(ax, nodes.reset_index(drop=True), edges.reset_index(drop=True), seed=seed, title=title)
    return ax.figure


def network_facets(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    groups=None,
    max_panels: int = 6,
    ncols: int = 2,
    seed: int = config.RANDOM_SEED,
) -> Figure:
    """One network per group, side by side (the groups with most edges first, at most *max_panels*)."""
    use_cjk_font()
    if edges.empty:
        return no_data(NO_NETWORK)
    order, shown = _network_groups(edges, groups, max_panels)
    fig, axes = panels(len(shown), ncols, 6.5, 5.5)
    for ax, group in zip(axes, shown):
        _draw_network(ax, *_one_network(nodes, edges, group), seed=seed, title=str(group))
    if len(order) > len(shown):
        fig.suptitle(_groups_shown(shown, order), fontsize=10)
    fig.tight_layout()
    return fig


def _one_network(nodes: pd.DataFrame, edges: pd.DataFrame, group: object) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The nodes and edges of one network of a grouped table (``cooccurrence.network(by=…)``)."""
    return nodes[nodes["group"] == group].reset_index(drop=True), edges[edges["group"] == group].reset_index(drop=True)


def _network_groups(edges: pd.DataFrame, groups, max_panels: int) -> tuple[list, list]:
    """The groups of a grouped network (*groups*, else those with most edges first) and those drawn (at most *max_panels*)."""
    order = (
        list(groups)
        if groups is not None
        else edges["group"].value_counts().sort_index().sort_values(ascending=False, kind="stable").index.tolist()
    )
    return order, [g for g in order if (edges["group"] == g).any()][:max_panels]


def _groups_shown(shown: list, order: list) -> str:
    return f"仅显示共现最多的{len(shown)}组（共{len(order)}组）"


def _network_points(nodes: pd.DataFrame, edges: pd.DataFrame, *, seed: int, title: str | None, width: float, height: float) -> PointChart:
    """A network as the browser draws it: the figure's positions, dot areas, colours and edge widths."""
    nodes, edges = nodes.reset_index(drop=True), edges.reset_index(drop=True)
    pos, widths, sizes = _network_drawn(nodes, edges, seed=seed)
    points = point_rows(
        [
            {
                "x": pos[term][0],
                "y": pos[term][1],
                "radius": float(np.sqrt(area)) / 2 * PX_PER_PT,  # a dot of area s pt² is √s pt across
                "color": _community_color(int(community)),
                "opacity": 0.85,
                "mark": "circle",
                "label": term,
                "label_color": "#222222",
                "label_dx": 0.0,
                "label_dy": 0.0,
                "anchor": "middle",
            }
            for term, community, area in zip(nodes["term"].tolist(), nodes["community"].tolist(), sizes)
        ]
    )
    lines = line_rows(
        [
            {
                "x1": pos[s][0],
                "y1": pos[s][1],
                "x2": pos[t][0],
                "y2": pos[t][1],
                "width": w * PX_PER_PT,
                "color": REFERENCE_COLOR,
                "opacity": 0.7,
            }
            for s, t, w in zip(edges["source"].tolist(), edges["target"].tolist(), widths)
        ]
    )
    return PointChart(points, lines, title=title, width=width, height=height, equal=True, empty=NO_NETWORK)


def network_chart_html(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    group: object | None = None,
    seed: int = config.RANDOM_SEED,
    title: str | None = "词语共现网络",
) -> PointChart:
    """``network_chart`` drawn by the browser (SVG): the same positions, dots, colours and edges, the words in the page's font."""
    if group is not None:
        nodes, edges = _one_network(nodes, edges, group)
    if nodes.empty or edges.empty:
        return PointChart(point_rows([]), title=title, empty=NO_NETWORK)
    return _network_points(nodes, edges, seed=seed, title=title, width=900, height=700)


def network_facets_html(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    groups=None,
    max_panels: int = 6,
    seed: int = config.RANDOM_SEED,
) -> ChartGrid:
    """``network_facets`` drawn by the browser: one network per group, side by side (two a row on A4)."""
    if edges.empty:
        return ChartGrid([], empty=NO_NETWORK)
    order, shown = _network_groups(edges, groups, max_panels)
    charts = [_network_points(*_one_network(nodes, edges, g), seed=seed, title=str(g), width=650, height=550) for g in shown]
    return ChartGrid(charts, title=_groups_shown(shown, order) if len(order) > len(shown) else None, wide=True)


def biplot(result, *, max_labels: int = 25, title: str | None = None, ax=None) -> Figure:
    """The correspondence analysis biplot: rows (blue dots) and columns (red triangles) on the first two dimensions.

    At most *max_labels* of each are labelled: those that contribute most to
    the two dimensions (mass × squared distance from the origin, i.e. the
    distinctive ones, not the crowd at the centre); the others are drawn unlabelled.
    """
    use_cjk_font()
    rows, columns = result.rows, result.columns
    if rows.empty or columns.empty:
        return no_data(NO_BIPLOT, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 7.5))
    ax.axhline(0, color=LINE_COLOR, linewidth=0.5)
    ax.axvline(0, color=LINE_COLOR, linewidth=0.5)
    for table, color, marker in ((rows, ROW_COLOR, "o"), (columns, COLUMN_COLOR, "^")):
        ax.scatter(table["dim1"], table["dim2"], c=color, marker=marker, s=30, alpha=0.8)
        best = _labelled(table, max_labels)
        for x, y, label in zip(best["dim1"].tolist(), best["dim2"].tolist(), best["label"].tolist()):
            ax.annotate(str(label), (x, y), xytext=(3, 3), textcoords="offset points", fontsize=9, color=color)
    x_label, y_label, heading = _biplot_names(result, title)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_title(heading, fontsize=11)
    return ax.figure


def _labelled(table: pd.DataFrame, max_labels: int) -> pd.DataFrame:
    """The *max_labels* rows of a biplot's side that contribute most to its two dimensions (mass × squared distance)."""
    return table.assign(_rank=table["mass"] * (table["dim1"] ** 2 + table["dim2"] ** 2)).nlargest(max_labels, "_rank")


def _biplot_names(result, title: str | None) -> tuple[str, str, str]:
    """The axes' names (each dimension with its share of the inertia) and the title of a biplot."""
    shares = result.inertia["share"].tolist() + [0.0, 0.0]
    names = (AXIS_NAMES.get(result.row_name, result.row_name), AXIS_NAMES.get(result.column_name, result.column_name))
    return f"第一维（{shares[0]:.1%}）", f"第二维（{shares[1]:.1%}）", title or f"对应分析：{names[0]} × {names[1]}"


def biplot_html(result, *, max_labels: int = 25, title: str | None = None) -> PointChart:
    """``biplot`` drawn by the browser (SVG): the same points, marks, colours and labelled points, the words in the page's font."""
    rows, columns = result.rows, result.columns
    x_label, y_label, heading = _biplot_names(result, title)
    if rows.empty or columns.empty:
        return PointChart(point_rows([]), title=heading, empty=NO_BIPLOT)
    points = []
    for table, color, mark in ((rows, ROW_COLOR, "circle"), (columns, COLUMN_COLOR, "triangle")):
        named = set(_labelled(table, max_labels).index)
        for index, x, y, label in zip(table.index, table["dim1"].tolist(), table["dim2"].tolist(), table["label"].tolist()):
            points.append(
                {
                    "x": x,
                    "y": y,
                    "radius": float(np.sqrt(30)) / 2 * PX_PER_PT * (1.25 if mark == "triangle" else 1.0),  # s=30 pt², as drawn there
                    "color": color,
                    "opacity": 0.8,
                    "mark": mark,
                    "label": str(label) if index in named else "",
                    "label_color": color,
                    "label_dx": 3 * PX_PER_PT,  # 3 pt right of and above the point, as annotated there
                    "label_dy": -3 * PX_PER_PT - FONT_PX / 2,
                    "anchor": "start",
                }
            )
    return PointChart(
        point_rows(points),
        title=heading,
        width=900,
        height=750,
        equal=False,
        margin=0.05,
        x_label=x_label,
        y_label=y_label,
        empty=NO_BIPLOT,
    )


def topic_terms_chart(model, *, top: int = 8, ncols: int = 4) -> Figure:
    """Each topic's top terms as a bar chart, one panel a topic."""
    use_cjk_font()
    if model.terms.empty:
        return no_data(NO_TOPICS)
    drawn = topic_terms_drawn(model, top=top)
    fig, axes = panels(len(drawn), ncols, 3.2, 2.6)
    for ax, (title, part) in zip(axes, drawn):
        part = part.iloc[::-1]  # the heaviest on top
        ax.barh(part["term"], part["weight"], color=BAR_COLOR)
        ax.set_title(title, fontsize=9)
        ax.tick_params(axis="y", labelsize=8)
        ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    return fig


def topic_terms_drawn(model, *, top: int) -> list[tuple[str, pd.DataFrame]]:
    """Each topic's title (its label and share) and its *top* terms, the heaviest first: the panels of a topic terms chart."""
    terms = model.terms
    drawn = []
    for k, label, share in zip(model.topics["topic"].tolist(), model.topics["label"].tolist(), model.topics["share"].tolist()):
        part = terms[(terms["topic"] == k) & (terms["rank"] <= top)].sort_values("rank", kind="stable")
        drawn.append((f"{label}（{share:.0%}）", part))
    return drawn


def topic_terms_chart_html(model, *, top: int = 8) -> ChartGrid:
    """``topic_terms_chart`` drawn by the browser: each topic's *top* terms and their weights, one chart a topic, side by side."""
    charts = []
    for title, part in topic_terms_drawn(model, top=top) if not model.terms.empty else []:
        weights = part["weight"].to_numpy(dtype=float)
        heaviest = float(weights.max()) if len(weights) and weights.max() > 0 else 1.0
        rows = [
            {"label": term, "value": w, "share": w / heaviest, "side": "right", "color": BAR_COLOR, "text": f"{w:.3g}", "cut": False}
            for term, w in zip(part["term"].tolist(), weights)
        ]
        charts.append(BarChart(bar_rows(rows), title=title, label_header="词", value_header="权重", empty=NO_TOPICS))
    return ChartGrid(charts, note=TOPIC_WEIGHT_NOTE if charts else None, empty=NO_TOPICS)


def _topic_shares_drawn(model, max_rows: int, title: str) -> tuple[pd.DataFrame, str]:
    """The reports (rows, at most *max_rows*, each "town doc_id") × topics (their names) a topic shares chart shows, and its title
    (an empty table when the model has no shares)."""
    table = model.share_table()
    if table.empty:
        return pd.DataFrame(), title
    if len(table) > max_rows:
        title += f"（仅显示前{max_rows}份，共{len(table)}份）"
        table = table.head(max_rows)
    labels = [f"{t} {d}" if pd.notna(t) else str(d) for t, d in zip(table["town"].tolist(), table["doc_id"].tolist())]
    values = table.drop(columns=["doc_id", "town"])
    values.index, values.columns = labels, [c.split("：")[0] for c in values.columns]
    return values, title


def topic_shares_chart(model, *, max_rows: int = 40, title: str = "各报告的主题构成") -> Figure:
    """Reports (rows, at most *max_rows*) × topics: each report's topic shares as a heatmap."""
    use_cjk_font()
    shown, title = _topic_shares_drawn(model, max_rows, title)
    if shown.empty:
        return no_data(NO_TOPICS)
    values = shown.to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(1.2 + 1.1 * values.shape[1], 1.0 + 0.28 * len(shown)))
    image = ax.imshow(values, aspect="auto", cmap="Blues", vmin=0, vmax=max(0.01, values.max()))
    ax.set_xticks(range(values.shape[1]), list(shown.columns), fontsize=8)
    ax.set_yticks(range(len(shown)), list(shown.index), fontsize=8)
    fig.colorbar(image, ax=ax, label="占比")
    ax.set_title(title, fontsize=11)
    fig.tight_layout()
    return fig


def topic_shares_chart_html(model, *, max_rows: int = 40, title: str = "各报告的主题构成") -> HeatTable:
    """``topic_shares_chart`` drawn by the browser: the same reports, topics and colours, each share written on its cell."""
    shown, title = _topic_shares_drawn(model, max_rows, title)
    top = float(shown.to_numpy(dtype=float).max()) if shown.size else 0.0
    return heat_table(
        shown, title=title, cmap="Blues", vmin=0, vmax=max(0.01, top), fmt=".0%", key_label="占比", corner="报告", empty=NO_TOPICS
    )
