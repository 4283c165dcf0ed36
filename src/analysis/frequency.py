"""Word frequency: counts, rates, document frequency, TF-IDF and each group's own place names.

The stage reads the tokens of ``analysis.tokenize.tokenize`` (jieba with the
domain lexicon, quantities kept whole and dropped as numbers, stopwords of
``analysis.lexicon.stopwords``) and the reports table for town, year and
level.  Every function returns a new table, sorted, with the columns below;
an empty input gives an empty table with the same columns and a warning.

terms    — doc_id, town, level, county, year, role, token, start, end
           one row per counted token (or bigram with ``ngram=2``)
counts   — [by...], token, count, rate, docs, rank
           rate = count per 10,000 counted tokens of the group; docs = reports of
           the group that use the term; rank 1 = most frequent in the group
tfidf    — doc_id, town, token, count, docs, tfidf, rank
places   — [by], place: the place names of each group (its towns and counties)

Keyness (the terms a group uses more than the rest) is ``analysis.keyness``;
words in context (KWIC) are ``analysis.concordance``.  Both read the tables
and helpers of this module.

Typical use::

    t = frequency.terms(reports, role="problems")
    frequency.counts(t, by="town", top=10)
    frequency.tfidf(t, top=20)

A report names its own town and county again and again, and no other report
does: left in, ``神树镇`` tops 神树镇's keyness and TF-IDF and hides every
other word (at a thousand reports its χ² is a hundred times the next
word's).  So ``tfidf`` (and ``keyness``) leave each group's own
place names out (``keep_places=True`` keeps them); ``own_places`` lists them
and ``drop_own_places`` removes them from a terms table.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from . import display
from .chinese import fold
from .errors import FrequencyWarning, OptionError
from .lexicon import stopwords
from .structure import ROLES
from .tfidf import unit_weights
from .tokenize import Decisions, lexicon_terms, tokenize

TERM_COLUMNS = ["doc_id", "town", "level", "county", "year", "role", "token", "start", "end"]
META_COLUMNS = ["town", "level", "county", "year"]
COUNT_COLUMNS = ["token", "count", "rate", "docs", "rank"]
TFIDF_COLUMNS = ["doc_id", "town", "token", "count", "docs", "tfidf", "rank"]

# Section roles a token can have: the outline roles plus the title and the text before the first heading.
TOKEN_ROLES = (*ROLES, "preamble", "title")
PER = 10_000  # rates are per this many counted tokens
BIGRAM_JOINER = " "  # "依法 行政": the two words of a bigram, space-separated
PLACE_COLUMNS = ("town", "county")  # the report columns that hold place names
# Words inside a place name that are not the name: 东泉街道 names 东泉, not 街道.
GENERIC_PLACE_WORDS = frozenset({"街道", "办事处", "街道办事处", "苏木", "自治", "自治县", "自治旗", "乡镇"})


def _warn(message: str) -> None:
    warnings.warn(message, FrequencyWarning, stacklevel=3)


def _as_list(value: object) -> list:
    if value is None:
        return []
    if isinstance(value, (str, bytes, int, np.integer)) or not isinstance(value, Iterable):
        return [value]
    return list(value)


# ----------------------------------------------------------------------- terms


def terms(
    reports: pd.DataFrame,
    *,
    role: str | Sequence[str] | None = None,
    extra_stopwords: Sequence[str] = (),
    ngram: int = 1,
    drop_numbers: bool = True,
    tokens: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The tokens to count: one row per token (``ngram=1``) or bigram (``ngram=2``).

    Tokens come from ``tokenize`` with its default filters (stopwords,
    punctuation, single characters and numbers out; lexicon terms such as
    ``12345`` kept).  *role* keeps the tokens of one section role or a list of
    them (``achievements``, ``problems``, ``plans``…); *extra_stopwords* are
    removed everywhere, lexicon terms included.  A bigram is two counted
    tokens standing side by side in the text, joined by a space.  Town,
    level, county and year are copied from the reports table.

    *tokens* is a ``tokenize`` table made with the default filters (such as
    ``analysis.pipeline.run(...).tokens``, read from the cache): with
    ``ngram=1`` and ``drop_numbers=True`` its rows for *reports* are used
    instead of tokenising again (the same table, much faster); otherwise it
    is ignored.
    """
    roles = _as_list(role)
    unknown = [r for r in roles if r not in TOKEN_ROLES]
    if unknown:
        raise OptionError(f"unknown section role {unknown[0]!r}; use one of {', '.join(TOKEN_ROLES)}")
    if ngram not in (1, 2):
        raise OptionError(f"ngram={ngram!r}: only 1 (words) and 2 (bigrams) are supported")
    extra = tuple(sorted({w.strip() for w in extra_stopwords if w and w.strip()}))
    if reports.empty:
        _warn("the corpus is empty: there are no reports to count")
        return _empty(TERM_COLUMNS)
    if ngram == 1 and drop_numbers and tokens is not None:
        missing = [c for c in ("doc_id", "role", "token", "start", "end") if c not in tokens.columns]
        if missing:
            raise OptionError(f"tokens= lacks the column {missing[0]!r}: pass a tokenize table (doc_id, role, token, pos, start, end)")
        table = tokens[tokens["doc_id"].isin(reports["doc_id"]) & ~tokens["token"].isin(extra)]
    elif ngram == 1:
        table = tokenize(reports, drop_numbers=drop_numbers, extra_stopwords=extra)
    else:
        table = _bigrams(reports, extra=extra, drop_numbers=drop_numbers)
    if roles:
        table = table[table["role"].isin(roles)]
    meta = reports[["doc_id", *META_COLUMNS]]
    table = table[["doc_id", "role", "token", "start", "end"]].merge(meta, on="doc_id", how="left")
    table = table[TERM_COLUMNS].sort_values(["doc_id", "start"], kind="mergesort").reset_index(drop=True)
    silent = sorted(set(reports["doc_id"].tolist()) - set(table["doc_id"].unique().tolist()))
    if silent:
        where = f" in role {', '.join(roles)}" if roles else ""
        shown = ", ".join(silent[:5]) + (f" and {len(silent) - 5} more" if len(silent) > 5 else "")
        _warn(f"{len(silent)} of {len(reports)} reports have no tokens left to count{where} after filtering: {shown}")
    return table


def _bigrams(reports: pd.DataFrame, *, extra: tuple[str, ...], drop_numbers: bool) -> pd.DataFrame:
    """Pairs of counted tokens that stand side by side in the text."""
    stream = tokenize(reports, drop_stopwords=False, drop_punct=False, drop_single=False, drop_numbers=False)
    decided = Decisions(
        stop=stopwords(extra=extra),
        terms=lexicon_terms(),
        extra=extra,
        drop_stopwords=True,
        drop_punct=True,
        drop_single=True,
        drop_numbers=drop_numbers,
    )
    kept = np.fromiter(map(decided.__getitem__, zip(stream["token"].tolist(), stream["pos"].tolist())), dtype=bool, count=len(stream))
    nxt = stream.shift(-1)
    pair = kept & np.append(kept[1:], False) & (stream["doc_id"] == nxt["doc_id"]).to_numpy() & (stream["end"] == nxt["start"]).to_numpy()
    first, second = stream[pair], nxt[pair]
    return pd.DataFrame(
        {
            "doc_id": first["doc_id"].to_numpy(),
            "role": first["role"].to_numpy(),
            "token": (first["token"] + BIGRAM_JOINER + second["token"]).to_numpy(),
            "start": first["start"].to_numpy(dtype="int64"),
            "end": second["end"].to_numpy(dtype="int64"),
        }
    )


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.Series(dtype="int64" if c in ("start", "end", "count", "docs", "rank", "n_target", "n_reference") else "object")
            for c in columns
        }
    )


def _with_columns(table: pd.DataFrame, keys: list[str], reports: pd.DataFrame | None) -> pd.DataFrame:
    """*table* with the report columns *keys* it lacks, taken from *reports*."""
    missing = [k for k in keys if k not in table.columns]
    if not missing:
        return table
    if reports is None or any(k not in reports.columns for k in missing):
        bad = next(k for k in missing if reports is None or k not in reports.columns)
        known = sorted(set(table.columns) | set(reports.columns if reports is not None else []))
        raise OptionError(f"cannot group by {bad!r}: not a column of the terms table or the reports table ({', '.join(known)})")
    return table.merge(reports[["doc_id", *missing]], on="doc_id", how="left")


def _keys(by: str | Sequence[str] | None) -> list[str]:
    keys = _as_list(by)
    if "token" in keys:
        raise OptionError("cannot group by 'token': it is what is counted")
    return keys


def _places_in_order(tokens: Sequence[str]) -> np.ndarray:
    """Each token's place when the tokens are sorted (equal tokens in their order): a number to sort them by, in
    ``counts`` and ``keyness`` (a sort of numbers instead of texts)."""
    places = np.empty(len(tokens), dtype=np.int64)
    places[np.argsort(np.asarray(tokens, dtype=object), kind="stable")] = np.arange(len(tokens))
    return places


# ---------------------------------------------------------------------- places


def own_places(terms: pd.DataFrame, *, by: str = "doc_id", reports: pd.DataFrame | None = None) -> pd.DataFrame:
    """The place names of each group of *by*: by, place (sorted).

    A group's places are the towns and counties of its reports, and the
    county written before the town (``杭锦后旗双庙镇``); a report that does not
    name its county gets the counties the other reports of its town name.
    Town and county come from *terms* or, when it lacks them, from *reports*.
    Empty when neither table has them.
    """
    columns = [by, "place"]
    wanted = [c for c in (by, *PLACE_COLUMNS) if c not in terms.columns]
    if terms.empty or (wanted and (reports is None or any(c not in reports.columns for c in wanted))):
        return _empty(columns)
    keep = list(dict.fromkeys(["doc_id", by, *PLACE_COLUMNS]))
    base = terms[[c for c in keep if c in terms.columns]].drop_duplicates()
    table = _with_columns(base, [by, *PLACE_COLUMNS], reports)[keep]
    source = reports if reports is not None and all(c in reports.columns for c in PLACE_COLUMNS) else table
    named = source.dropna(subset=list(PLACE_COLUMNS))
    counties = named.groupby("town")["county"].agg(lambda s: sorted(set(s))).to_dict()
    found: set[tuple[object, str]] = set()
    for group, town, county in zip(table[by], table["town"].tolist(), table["county"].tolist()):
        town = town if isinstance(town, str) and town else None
        mine = {county} if isinstance(county, str) and county else set()
        mine |= set(counties.get(town, ())) if town else set()
        names = {town, *mine, *(c + town for c in mine if town)} - {None}
        found |= {(group, name) for name in names}
    out = pd.DataFrame(sorted(found, key=lambda gp: (str(gp[0]), gp[1])), columns=columns)
    return out if len(out) else _empty(columns)


def place_tokens(places: Iterable[str]) -> frozenset[str]:
    """The tokens that name one of *places*: every stretch of two or more characters of a name, simplified.

    jieba cuts ``新兰区兰宁镇`` into ``新兰区兰`` + ``宁镇`` and ``高新镇`` into
    ``高新`` + ``镇``, so the whole name, its short form and such pieces all
    count; words of the suffix alone (``街道``) do not.
    """
    found: set[str] = set()
    for place in places:
        name = fold(str(place))
        for i in range(len(name)):
            for j in range(i + 2, len(name) + 1):
                found.add(name[i:j])
    return frozenset(found - GENERIC_PLACE_WORDS)


def _fold_map(tokens: pd.Series) -> dict[str, str]:
    """Each distinct token → its simplified form (so a traditional-character report's 雙廟鎮 matches 双庙镇), folded once."""
    return {token: fold(token) for token in pd.unique(tokens)}


def _folded(tokens: pd.Series) -> pd.Series:
    """The simplified form of each token (``_fold_map``)."""
    return tokens.map(_fold_map(tokens))


def drop_own_places(terms: pd.DataFrame, *, by: str = "doc_id", reports: pd.DataFrame | None = None) -> pd.DataFrame:
    """*terms* without the tokens that name a row's own places (those of its group of *by*, see ``own_places``).

    ``by="doc_id"``: each report loses its own town and county names;
    ``by="town"``: each town's rows lose the names of that town and its county.
    Another town's name stays.  Unchanged when the place names are unknown.
    """
    places = own_places(terms, by=by, reports=reports)
    if places.empty:
        return terms
    table = _with_columns(terms, [by], reports)
    pairs = {(group, token) for group, place in zip(places[by], places["place"].tolist()) for token in place_tokens([place])}
    # only a row whose token folds to some place's token can name its own: the pairs are looked up for those rows alone
    names = {token for _, token in pairs}
    tokens = table["token"]
    folded = _fold_map(tokens)
    maybe = np.flatnonzero(tokens.isin([t for t, f in folded.items() if f in names]).to_numpy())
    hit = np.zeros(len(table), dtype=bool)
    if len(maybe):
        hit[maybe] = pd.MultiIndex.from_arrays([table[by].iloc[maybe], tokens.iloc[maybe].map(folded)]).isin(list(pairs))
    return terms[~hit].reset_index(drop=True)


# ---------------------------------------------------------------------- counts


def counts(
    terms: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    top: int | None = None,
    reports: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Term counts for the corpus, or for each group of *by* (``doc_id``, ``town``, ``role``, ``year``…).

    Returns [by...], token, count, rate (per 10,000 counted tokens of the
    group), docs (reports of the group using the term) and rank, sorted by
    group, then count (descending), then token.  *top* keeps the first *top*
    terms of each group.  A report column not in *terms* (``title``…) is
    taken from *reports*.
    """
    keys = _keys(by)
    table = _with_columns(terms, keys, reports)
    columns = [*keys, *COUNT_COLUMNS]
    if table.empty:
        _warn("no tokens to count: the terms table is empty")
        return _empty(columns)
    if not keys and not table["token"].isna().any():
        return _counts_of_all(table, top=top)
    if keys == ["doc_id"] and all(_plain_text(table[column]) for column in ("doc_id", "token")):
        return _counts_by_report(table, top=top)
    # two plain aggregations: a third of the time of .agg(count=("doc_id", "size"), docs=("doc_id", "nunique"))
    grouped = table.groupby([*keys, "token"], dropna=False, sort=False)["doc_id"]
    out = pd.DataFrame({"count": grouped.size(), "docs": grouped.nunique()}).reset_index()
    return rate_and_rank(out, by=keys, top=top)


def _counts_of_all(table: pd.DataFrame, *, top: int | None) -> pd.DataFrame:
    """``counts`` of *table* taken as one group, counted with numpy: the same table as grouping it.

    A town page counts its own terms; grouping, counting distinct reports
    and sorting by the text took 6–7 ms of pandas for a few thousand rows.
    Each token is a number (``pd.factorize``), its count and reports are
    counted by number, and the rows are sorted by count, then by each token's
    place among the sorted tokens.
    """
    codes, tokens = pd.factorize(table["token"])
    docs, _ = pd.factorize(table["doc_id"], use_na_sentinel=False)
    count = np.bincount(codes, minlength=len(tokens))
    n_docs = int(docs.max()) + 1
    pairs = np.sort(codes.astype(np.int64) * n_docs + docs)  # each (token, report) once: sorted, then the first of each
    pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]  # run (np.unique hashes the values: 4.6× slower here)
    in_docs = np.bincount(pairs // n_docs, minlength=len(tokens))
    order = np.lexsort((_places_in_order(tokens.tolist()), -count))
    if top is not None:
        order = order[: max(0, top)]
    return pd.DataFrame(
        {
            "token": tokens.take(order),
            "count": count[order].astype(np.int64, copy=False),
            "rate": np.round(count[order] / count.sum() * PER, 3),
            "docs": in_docs[order].astype(np.int64, copy=False),
            "rank": np.arange(1, len(order) + 1, dtype=np.int64),
        }
    )


def _plain_text(column: pd.Series) -> bool:
    """True for a column of pandas' own text type (as the tokeniser gives) without gaps: ``_counts_by_report``
    sorts and types it as grouping does."""
    own = pd.Series([""]).dtype  # "str"; object when pandas is set to keep text as Python objects
    return column.dtype == own and pd.api.types.is_string_dtype(column) and not column.isna().any()


def _counts_by_report(table: pd.DataFrame, *, top: int | None) -> pd.DataFrame:
    """``counts(table, by="doc_id")`` counted with numpy: the same table as grouping it.

    The pipeline counts each report's terms (``doc_counts``): grouping by
    report and token, counting distinct reports and sorting by the texts took
    most of that stage.  Here each report and token is a number
    (``pd.factorize``), a pair of them is counted by number, and the rows are
    sorted by each report's and token's place among the sorted texts.  A term
    of one report is in that report only, so ``docs`` is 1.
    """
    doc_codes, doc_ids = pd.factorize(table["doc_id"])
    token_codes, tokens = pd.factorize(table["token"])
    pair_values = doc_codes.astype(np.int64) * len(tokens) + token_codes
    if len(doc_ids) * len(tokens) <= max(4 * len(pair_values), 1 << 20):  # few enough pairs to count each by number
        count = np.bincount(pair_values, minlength=len(doc_ids) * len(tokens))
        pairs = np.flatnonzero(count)
        count = count[pairs]
    else:
        pair_codes, pairs = pd.factorize(pair_values)
        count = np.bincount(pair_codes, minlength=len(pairs))
    pair_doc, pair_token = pairs // len(tokens), pairs % len(tokens)
    doc_place = _places_in_order(doc_ids.tolist())[pair_doc]
    token_place = _places_in_order(tokens.tolist())[pair_token]
    most = int(count.max(initial=0))
    if len(doc_ids) * (most + 1) * max(1, len(tokens)) < 2**63:  # one number a row to sort by (a tenth of lexsort's time)
        order = np.argsort((doc_place * (most + 1) + (most - count)) * len(tokens) + token_place)  # each pair once: no ties
    else:
        order = np.lexsort((token_place, -count, doc_place))
    doc_place, count = doc_place[order], count[order]
    first = np.concatenate(([True], doc_place[1:] != doc_place[:-1]))  # the first row of each report
    group = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    rank = np.arange(len(order), dtype=np.int64) - starts[group] + 1
    totals = np.add.reduceat(count, starts)[group] if len(order) else count
    out = pd.DataFrame(
        {
            "doc_id": doc_ids.take(pair_doc[order]),
            "token": tokens.take(pair_token[order]),
            "count": count.astype(np.int64, copy=False),
            "rate": np.round(count / totals * PER, 3),
            "docs": np.ones(len(order), dtype=np.int64),
            "rank": rank,
        }
    )
    if top is not None:
        out = out[out["rank"] <= top].reset_index(drop=True)
    return out


def rate_and_rank(table: pd.DataFrame, *, by: Sequence[str] = (), top: int | None = None) -> pd.DataFrame:
    """Rate and rank of summed term counts: *table* has [by...], token, count, docs (a row per group and token).

    Returns [by...], token, count, rate, docs, rank: rate is the count per
    10,000 counted tokens of the group, rows are sorted by group, then count
    (descending), then token, and rank counts from 1 in each group.  *top*
    keeps the first *top* terms of each group.  (Used by ``counts`` and by the
    pipeline's corpus counts summed from the cached per-report counts.)
    """
    keys = list(by)
    out = table[[*keys, "token", "count", "docs"]].copy()
    totals = out.groupby(keys, dropna=False, sort=False)["count"].transform("sum") if keys else out["count"].sum()
    out["rate"] = (out["count"] / totals * PER).round(3)
    out = out.sort_values([*keys, "count", "token"], ascending=[*([True] * len(keys)), False, True], kind="mergesort", na_position="last")
    out["rank"] = out.groupby(keys, dropna=False, sort=False).cumcount() + 1 if keys else np.arange(1, len(out) + 1)
    if top is not None:
        out = out[out["rank"] <= top]
    out = out[[*keys, *COUNT_COLUMNS]].reset_index(drop=True)
    return out.astype({"count": "int64", "docs": "int64", "rank": "int64"})


def top_terms(
    table: pd.DataFrame,
    *,
    by: str | Sequence[str] = "town",
    top: int = 10,
    value: str = "count",
    groups: Sequence[object] | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """One row per group: its *top* terms as one string, ``法治(26)、群众(12)…``.

    *table* is a ``counts`` or ``tfidf`` table (it has ``rank``); *value* is
    the number shown in brackets.  *groups* keeps the groups whose first key
    is one of them (the reports of some towns); *limit* keeps at most that
    many groups, those with the most counted tokens (sum of ``count``).  Rows
    stay sorted by group; ``display.note(result)`` says how many groups there
    are and how many were left out.
    """
    keys = _keys(by)
    columns = [*keys, "top_terms"]
    if table.empty:
        return display.with_note(_empty(columns), "")
    n_groups = len(table[keys].drop_duplicates())
    how = ""
    if groups is not None:
        table = table[table[keys[0]].isin(list(groups))]
        how = f"所选{display.label(keys[0])}的"
    if limit is not None and len(table) and len(table[keys].drop_duplicates()) > limit:
        totals = table.groupby(keys, dropna=False, sort=False)["count"].sum().reset_index()
        totals["_key"] = totals[keys].astype(str).agg("\0".join, axis=1)
        chosen = totals.sort_values(["count", "_key"], ascending=[False, True], kind="mergesort").head(limit)[keys]
        table = table.merge(chosen, on=keys, how="inner")
        how = how[:-1] + "中词数最多的" if how else "词数最多的"
    ranked = table[table["rank"] <= top].sort_values([*keys, "rank"], kind="mergesort", na_position="last")
    if ranked.empty:
        out = _empty(columns)
    else:
        fmt = "{:g}" if value == "count" else "{:.3f}"
        labels = ranked["token"] + "(" + ranked[value].map(fmt.format) + ")"
        grouped = labels.groupby([ranked[k] for k in keys], dropna=False, sort=True)
        out = grouped.agg("、".join).rename("top_terms").reset_index()[columns]
    what = display.label(keys[-1])
    return display.with_note(out, display.shown_note(len(out), n_groups, what=what, unit=display.unit(keys[-1]), how=how))


def largest_groups(table: pd.DataFrame, *, by: str = "town", limit: int | None = None, value: str = "count") -> list:
    """Values of *by* ordered by their total *value* (largest first, then by name); at most *limit*.

    Picks which towns or reports a figure shows when there are too many to show all.
    """
    if table.empty:
        return []
    totals = table.groupby(by, sort=False)[value].sum()
    ordered = [group for group, _ in sorted(totals.items(), key=lambda kv: (-kv[1], str(kv[0])))]
    return ordered if limit is None else ordered[:limit]


def tfidf(
    terms: pd.DataFrame,
    *,
    top: int | None = 10,
    keep_places: bool = False,
    reports: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """TF-IDF of each term in each report: the terms that set a report apart.

    tf is the raw count in the report, idf = ln((1 + n) / (1 + df)) + 1 (n
    reports, df reports using the term; scikit-learn's smoothed form), and
    each report's vector is scaled to unit length.  Sorted by report, then
    tfidf (descending), then token; *top* keeps the first *top* per report.
    A report's own town and county names are left out (``drop_own_places``)
    unless *keep_places*; *reports* supplies town and county when *terms*
    lacks them.
    """
    if terms.empty:
        _warn("no tokens to weigh: the terms table is empty")
        return _empty(TFIDF_COLUMNS)
    if not keep_places:
        terms = drop_own_places(terms, by="doc_id", reports=reports)
        if terms.empty:
            _warn("no tokens to weigh: every token names the report's own place")
            return _empty(TFIDF_COLUMNS)
    out = terms.groupby(["doc_id", "token"], sort=False).agg(count=("start", "size"), town=("town", "first")).reset_index()
    n_docs = out["doc_id"].nunique()
    out["docs"] = out.groupby("token")["doc_id"].transform("size")
    out["tfidf"] = unit_weights(out["count"], out["docs"], out["doc_id"], n_docs=n_docs).round(6)
    out = out.sort_values(["doc_id", "tfidf", "token"], ascending=[True, False, True], kind="mergesort")
    out["rank"] = out.groupby("doc_id", sort=False).cumcount() + 1
    if top is not None:
        out = out[out["rank"] <= top]
    return out[TFIDF_COLUMNS].reset_index(drop=True).astype({"count": "int64", "docs": "int64", "rank": "int64"})
