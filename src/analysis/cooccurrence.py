"""Co-occurrence networks of terms, as in KH Coder: which words are used together.

Every sentence (or paragraph) is a set of the package's tokens (``frequency.terms``:
stopwords, punctuation, numbers and single characters out).  Two terms are
linked by their Jaccard coefficient over these units — the number of units
holding both over the number holding either.  Terms found in fewer than
*min_freq* units are left out, and only the *top* strongest edges are kept
(KH Coder's default is 60).  Communities come from the Louvain method with a
fixed seed, so the same reports give the same colours.

Tables:

units   — unit_id, doc_id, town, county, year, role, tokens   (one row per sentence or paragraph)
nodes   — group, term, frequency, degree, community
edges   — group, source, target, jaccard, cooccurrences   (source sorts before target; strongest first)
``group`` is the value of the grouping column (``全部`` for the whole corpus).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import config
from .errors import OptionError
from .tables import sort_rank, spans_of

UNIT_COLUMNS = ["unit_id", "doc_id", "town", "county", "year", "role", "tokens"]
NODE_COLUMNS = ["group", "term", "frequency", "degree", "community"]
EDGE_COLUMNS = ["group", "source", "target", "jaccard", "cooccurrences"]
UNITS = ("sentence", "paragraph")
ALL = "全部"  # the group of a network over the whole corpus
MIN_FREQ = 3
TOP_EDGES = 60
SKIPPED_ROLES = ("title",)


def units(
    reports: pd.DataFrame,
    *,
    unit: str = "sentence",
    role: str | Sequence[str] | None = None,
    extra_stopwords: Sequence[str] = (),
    terms: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The token set of every sentence or paragraph (title lines left out).

    *terms* is a ``frequency.terms`` table of *reports* (computed when not given).
    """
    from .frequency import terms as count_terms
    from .structure import paragraphs, sentences

    if unit not in UNITS:
        raise OptionError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
    table = terms if terms is not None else count_terms(reports, role=role, extra_stopwords=extra_stopwords)
    if terms is not None and role is not None:
        wanted = [role] if isinstance(role, str) else list(role)
        table = table[table["role"].isin(wanted)]
    spans = sentences(reports) if unit == "sentence" else paragraphs(reports)
    spans = spans[~spans["role"].isin(SKIPPED_ROLES)].reset_index(drop=True)
    spans = spans.assign(unit_id=[f"{d}:{i}" for d, i in zip(spans["doc_id"].tolist(), range(len(spans)))])
    if table.empty or spans.empty:
        return pd.DataFrame(columns=UNIT_COLUMNS)
    out = spans[["unit_id", "doc_id", "role"]].copy()
    out["tokens"] = _token_sets(table, spans)
    meta = reports.set_index("doc_id")
    out = out[out["tokens"].map(len) > 0]
    for column in ("town", "county", "year"):
        out[column] = out["doc_id"].map(meta[column]) if column in meta else None
    return out[UNIT_COLUMNS].reset_index(drop=True)


def _token_sets(table: pd.DataFrame, spans: pd.DataFrame) -> list[tuple[str, ...]]:
    """For each row of *spans* (doc_id, start, end), the distinct tokens of *table* (doc_id, start, token) that start in it, sorted."""
    span = spans_of(table, spans)
    placed = span >= 0
    codes, names = sort_rank(table["token"])
    n = max(len(names), 1)
    pairs = np.sort(span[placed] * n + codes[placed])
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs  # distinct (numpy's unique hashes: 15× slower here)
    words = [names[code] for code in (pairs % n).tolist()]
    ends = np.cumsum(np.bincount(pairs // n, minlength=len(spans))).tolist()
    return [tuple(words[a:b]) for a, b in zip([0, *ends[:-1]], ends)]


def _network(token_sets: Sequence[tuple[str, ...]], *, min_freq: int, top: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    from scipy import sparse

    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, tokens in enumerate(token_sets):
        for tok in tokens:
            rows.append(i)
            cols.append(vocab.setdefault(tok, len(vocab)))
    if not vocab:
        return pd.DataFrame(columns=NODE_COLUMNS[1:]), pd.DataFrame(columns=EDGE_COLUMNS[1:])
    matrix = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(token_sets), len(vocab)))
    freq = np.asarray(matrix.sum(axis=0)).ravel()
    keep = np.flatnonzero(freq >= min_freq)
    names = np.array(sorted(vocab, key=vocab.get))[keep]
    matrix, freq = matrix[:, keep], freq[keep]
    co = (matrix.T @ matrix).tocoo()
    upper = co.row < co.col
    a, b, both = co.row[upper], co.col[upper], co.data[upper]
    jaccard = both / (freq[a] + freq[b] - both)
    swap = names[a] > names[b]  # each pair in one order: source sorts before target
    first, second = np.where(swap, names[b], names[a]), np.where(swap, names[a], names[b])
    edges = pd.DataFrame({"source": first, "target": second, "jaccard": np.round(jaccard, 4), "cooccurrences": both.astype(int)})
    edges = edges.sort_values(["jaccard", "cooccurrences", "source", "target"], ascending=[False, False, True, True]).head(top)
    used = sorted(set(edges["source"]) | set(edges["target"]))
    nodes = pd.DataFrame({"term": used, "frequency": [int(freq[np.flatnonzero(names == t)[0]]) for t in used]})
    return nodes, edges.reset_index(drop=True)


def communities(nodes: pd.DataFrame, edges: pd.DataFrame, *, seed: int = config.RANDOM_SEED) -> pd.Series:
    """Louvain communities of the network (numbered 1… by size), indexed like *nodes*."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(nodes["term"])
    graph.add_weighted_edges_from(zip(edges["source"].tolist(), edges["target"].tolist(), edges["jaccard"].tolist()))
    found = nx.community.louvain_communities(graph, weight="weight", seed=seed) if graph.number_of_edges() else []
    found = sorted(found, key=lambda c: (-len(c), sorted(c)[0]))
    label = {term: i for i, members in enumerate(found, start=1) for term in members}
    return pd.Series([label.get(t, 0) for t in nodes["term"].tolist()], index=nodes.index, dtype="int64")


def network(
    reports: pd.DataFrame,
    *,
    unit: str = "sentence",
    by: str | None = None,
    groups: Sequence[object] | None = None,
    min_freq: int = MIN_FREQ,
    top: int = TOP_EDGES,
    role: str | Sequence[str] | None = None,
    extra_stopwords: Sequence[str] = (),
    seed: int = config.RANDOM_SEED,
    token_units: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The co-occurrence network (nodes, edges) of the corpus, or one per value of *by* (town, year, role, …).

    *groups* limits the networks to these values of *by* (e.g. the ten towns
    with most reports).  *token_units* is a ``units`` table (computed when not given).
    """
    if min_freq < 1 or top < 1:
        raise OptionError("min_freq and top must be at least 1")
    table = token_units if token_units is not None else units(reports, unit=unit, role=role, extra_stopwords=extra_stopwords)
    if by is not None and by not in table.columns:
        raise OptionError(f"by must be one of {', '.join(c for c in UNIT_COLUMNS if c not in ('unit_id', 'tokens'))}, not {by!r}")
    if by is None:
        parts = [(ALL, table)]
    else:
        wanted = list(groups) if groups is not None else sorted(table[by].dropna().unique().tolist(), key=str)
        parts = [(g, table[table[by] == g]) for g in wanted]
    all_nodes, all_edges = [], []
    for group, part in parts:
        nodes, edges = _network(part["tokens"].tolist(), min_freq=min_freq, top=top)
        if nodes.empty:
            continue
        degree = pd.concat([edges["source"], edges["target"]]).value_counts()
        nodes["degree"] = nodes["term"].map(degree).fillna(0).astype("int64")
        nodes["community"] = communities(nodes, edges, seed=seed)
        all_nodes.append(nodes.assign(group=group))
        all_edges.append(edges.assign(group=group))
    nodes = pd.concat(all_nodes, ignore_index=True) if all_nodes else pd.DataFrame(columns=NODE_COLUMNS)
    edges = pd.concat(all_edges, ignore_index=True) if all_edges else pd.DataFrame(columns=EDGE_COLUMNS)
    nodes = nodes[NODE_COLUMNS].sort_values(["group", "community", "frequency", "term"], ascending=[True, True, False, True], key=_sort_key)
    return nodes.reset_index(drop=True), edges[EDGE_COLUMNS].reset_index(drop=True)


def _sort_key(column: pd.Series) -> pd.Series:
    return column.astype(str) if column.name == "group" else column
