"""Keyness: the terms a report or group uses more (or less) than the rest of the corpus.

Reads a terms table of ``analysis.frequency.terms`` (one row per counted
token) and, for reports, the reports table.  Like quanteda's
``textstat_keyness``: for each term a 2×2 table (the term / other terms ×
target / reference) gives a signed chi-square and a signed log-likelihood G²
with their p-values.

keyness   — token, n_target, n_reference, rate_target, rate_reference,
            chi2, chi2_p, g2, g2_p, direction, rank
keyness_by — [by], then the keyness columns: each group against the rest

Typical use::

    t = frequency.terms(reports, role="problems")
    keyness.keyness(t, "神树镇", by="town")
    keyness.keyness_by(t, by="town", top=10)

A report names its own town and county again and again, and no other report
does: left in, ``神树镇`` tops 神树镇's keyness and hides every other word (at
a thousand reports its χ² is a hundred times the next word's).  So
``keyness``, ``keyness_by`` and ``GroupKeyness`` leave each group's own place
names out (``keep_places=True`` keeps them; ``frequency.own_places`` lists
them).  An empty input gives an empty table with the same columns and a
warning.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .chinese import fold
from .errors import OptionError
from .frequency import PER, _as_list, _empty, _folded, _places_in_order, _warn, _with_columns, own_places, place_tokens
from .stats import chi2_sf

KEYNESS_COLUMNS = ["token", "n_target", "n_reference", "rate_target", "rate_reference", "chi2", "chi2_p", "g2", "g2_p", "direction", "rank"]
MEASURES = ("chi2", "g2")


def keyness(
    terms: pd.DataFrame,
    target: object,
    *,
    by: str = "doc_id",
    measure: str = "chi2",
    correction: str = "default",
    top: int | None = None,
    reports: pd.DataFrame | None = None,
    keep_places: bool = False,
) -> pd.DataFrame:
    """Key terms of a report or group against the rest of the corpus, like quanteda's ``textstat_keyness``.

    *target* is a value (or list of values) of the column *by*: a doc_id, a
    town (``by="town"``), a year…  For each term a 2×2 table (term / other
    terms × target / reference) gives a signed chi-square and a signed
    log-likelihood G², each with its p-value (1 degree of freedom); the sign
    and ``direction`` say whether the target uses the term more
    (``target``) or less (``reference``) than expected.  ``correction=
    "default"`` applies Yates's continuity correction to chi2 (as R's
    chisq.test and scipy do) and Williams's correction to G² (quanteda's
    default); ``"none"`` applies neither.  Sorted by *measure* (descending),
    then token.  *top* keeps the *top* strongest terms of each direction.

    The target's own place names (its towns and counties, whole, short or
    cut by the tokeniser: ``own_places``, ``place_tokens``) are left out of
    the comparison unless *keep_places*: a report writes its own name far
    more often than anyone else does, and it would hide every other term.
    """
    if measure not in MEASURES:
        raise OptionError(f"measure={measure!r}: use one of {', '.join(MEASURES)}")
    if correction not in ("default", "none"):
        raise OptionError(f"correction={correction!r}: use 'default' or 'none'")
    if terms.empty:
        _warn("no key terms: the terms table is empty")
        return _empty(KEYNESS_COLUMNS)
    table = _with_columns(terms, [by], reports)
    targets = _as_list(target)
    if not keep_places:
        table = _without_places(table, targets, by=by, reports=reports)
    in_target = table[by].isin(targets).to_numpy()
    if not in_target.any():
        _warn(f"no key terms: no tokens have {by} = {', '.join(map(str, targets))}")
        return _empty(KEYNESS_COLUMNS)
    if in_target.all():
        _warn(f"no key terms: every token has {by} = {', '.join(map(str, targets))}, so there is no reference to compare with")
        return _empty(KEYNESS_COLUMNS)
    tokens = table["token"]
    frame = pd.concat(
        [tokens[in_target].value_counts().rename("n_target"), tokens[~in_target].value_counts().rename("n_reference")],
        axis=1,
    ).fillna(0)
    frame.index.name = "token"
    frame = frame.reset_index().astype({"n_target": "int64", "n_reference": "int64"})
    return _keyness_table(frame, int(in_target.sum()), int((~in_target).sum()), measure=measure, correction=correction, top=top)


def _keyness_table(
    frame: pd.DataFrame,
    target_total: int,
    reference_total: int,
    *,
    measure: str,
    correction: str,
    top: int | None,
    token_order: np.ndarray | None = None,
) -> pd.DataFrame:
    """token, n_target, n_reference → the keyness table, sorted and ranked (``keyness``).

    With *top*, the terms are put in order as numbers (*token_order*: each
    token's place in the sorted tokens, made here when not given) and only
    the rows kept get p-values: a town page asks for its 2 × 20 key terms of
    the whole vocabulary, and sorting every row by its text and computing every
    p-value was most of that.  The same table as sorting it all.
    """
    values = _keyness_values(frame["n_target"], frame["n_reference"], target_total, reference_total, correction=correction)
    order = values[measure]
    if top is not None and not np.isnan(order).any():
        if token_order is None:
            token_order = _places_in_order(frame["token"].tolist())
        ranked = np.lexsort((token_order, -order))  # by the measure, descending, then by token
        up = values["sign"][ranked] > 0
        down = ranked[~up]
        rows = np.concatenate([ranked[up][:top], down[max(0, len(down) - top) :]])
        ranks = np.empty(len(ranked), dtype=np.int64)
        ranks[ranked] = np.arange(1, len(ranked) + 1)
        out = pd.concat([frame.iloc[rows].reset_index(drop=True), _stats_frame(values, rows)], axis=1)
        out["rank"] = ranks[rows]
        return out[KEYNESS_COLUMNS]
    out = pd.concat([frame, _stats_frame(values)], axis=1)
    out = out.sort_values([measure, "token"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    if top is not None:
        up = out[out["direction"] == "target"].head(top)
        down = out[out["direction"] == "reference"].tail(top)
        out = pd.concat([up, down])
    return out[KEYNESS_COLUMNS].reset_index(drop=True)


class GroupKeyness:
    """``keyness(terms, target, by=by)`` for many targets of one terms table, the counting done once.

    A town briefing per town asks for the key terms of each town against all
    the others: ``keyness`` would count and fold the whole table again for
    every town.  This counts every (group, token) once; each call then takes
    the target's counts, leaves out the tokens naming its places (as
    ``keyness`` does) and gives the same table.
    """

    def __init__(self, terms: pd.DataFrame, *, by: str = "town", reports: pd.DataFrame | None = None) -> None:
        self.terms, self.by, self.reports = terms, by, reports
        table = _with_columns(terms, [by], reports) if not terms.empty else terms
        self.places = own_places(table, by=by, reports=reports) if not terms.empty else _empty([by, "place"])
        token_codes, self.tokens = pd.factorize(table["token"]) if not terms.empty else (np.zeros(0, int), pd.Index([]))
        group_codes, self.groups = pd.factorize(table[by]) if not terms.empty else (np.zeros(0, int), pd.Index([]))
        n = len(self.tokens)
        self.total = np.bincount(token_codes, minlength=n).astype("int64")
        self.folded = np.array([fold(str(t)) for t in self.tokens], dtype=object)
        self._token_order = _places_in_order(self.tokens.tolist())
        pairs, counts = np.unique(group_codes.astype("int64") * max(n, 1) + token_codes, return_counts=True)
        cuts = np.searchsorted(pairs // max(n, 1), np.arange(len(self.groups) + 1))
        self._rows = {g: (pairs[cuts[i] : cuts[i + 1]] % max(n, 1), counts[cuts[i] : cuts[i + 1]]) for i, g in enumerate(self.groups)}

    def __call__(self, target: object, *, measure: str = "chi2", correction: str = "default", top: int | None = None) -> pd.DataFrame:
        targets = _as_list(target)
        found = [self._rows[t] for t in targets if t in self._rows]
        mine = np.zeros(len(self.tokens), dtype="int64")
        for codes, counts in found:
            np.add.at(mine, codes, counts)
        names = place_tokens(self.places.loc[self.places[self.by].isin(targets), "place"]) if len(self.places) else frozenset()
        kept = ~np.isin(self.folded, list(names)) if names else np.ones(len(self.tokens), dtype=bool)
        theirs = self.total - mine
        target_total, reference_total = int(mine[kept].sum()), int(theirs[kept].sum())
        if measure not in MEASURES or correction not in ("default", "none") or not target_total or not reference_total:
            return keyness(self.terms, target, by=self.by, measure=measure, correction=correction, top=top, reports=self.reports)
        frame = pd.DataFrame({"token": self.tokens.to_numpy()[kept], "n_target": mine[kept], "n_reference": theirs[kept]})
        return _keyness_table(
            frame, target_total, reference_total, measure=measure, correction=correction, top=top, token_order=self._token_order[kept]
        )


def _without_places(table: pd.DataFrame, targets: list, *, by: str, reports: pd.DataFrame | None) -> pd.DataFrame:
    """*table* without the tokens naming the places of the groups *targets* (every row: target and reference)."""
    places = own_places(table, by=by, reports=reports)
    names = place_tokens(places.loc[places[by].isin(targets), "place"]) if len(places) else frozenset()
    if not names:
        return table
    return table[~_folded(table["token"]).isin(names).to_numpy()]


def keyness_stats(a: pd.Series, b: pd.Series, target_total: int, reference_total: int, *, correction: str = "default") -> pd.DataFrame:
    """Signed chi2 and G² with p-values for counts *a* (target) and *b* (reference).

    Returns rate_target, rate_reference, chi2, chi2_p, g2, g2_p, direction.
    """
    return _stats_frame(_keyness_values(a, b, target_total, reference_total, correction=correction))


def _keyness_values(a, b, target_total: int, reference_total: int, *, correction: str) -> dict[str, np.ndarray]:
    """``keyness_stats``' columns as arrays, before p-values: the rates, the signed and rounded chi2 and g2 (the
    measures a table is sorted by), their sizes (``chi2_size``, ``g2_size``: what the p-values are of) and the sign."""
    a = np.asarray(a, dtype="float64")
    b = np.asarray(b, dtype="float64")
    c = target_total - a
    d = reference_total - b
    n = a + b + c + d
    expected = (a + b) * (a + c) / n
    sign = np.where(a > expected, 1.0, -1.0)
    denominator = (a + b) * (c + d) * (a + c) * (b + d)
    diff = np.abs(a * d - b * c)
    if correction == "default":
        diff = diff - np.minimum(n / 2, diff)  # Yates, never past zero (R's chisq.test, scipy)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = np.where(denominator > 0, n * diff**2 / denominator, 0.0)
        g2 = 0.0
        for observed, row, col in ((a, a + b, a + c), (b, a + b, b + d), (c, c + d, a + c), (d, c + d, b + d)):
            e = row * col / n
            g2 = g2 + np.where(observed > 0, observed * np.log(np.where(observed > 0, observed, 1) / np.where(e > 0, e, 1)), 0.0)
        g2 = 2 * g2
        if correction == "default":  # Williams (1976)
            q = 1 + (n / (a + b) + n / (c + d) - 1) * (n / (a + c) + n / (b + d) - 1) / (6 * n)
            g2 = np.where(np.isfinite(q) & (q > 0), g2 / q, g2)
    g2 = np.maximum(g2, 0.0)
    return {
        "rate_target": np.round(a / target_total * PER, 3),
        "rate_reference": np.round(b / reference_total * PER, 3) if reference_total else np.zeros(len(a)),
        "chi2": np.round(sign * chi2, 6),
        "chi2_size": chi2,
        "g2": np.round(sign * g2, 6),
        "g2_size": g2,
        "sign": sign,
    }


def _stats_frame(values: dict[str, np.ndarray], rows: np.ndarray | None = None) -> pd.DataFrame:
    """The ``keyness_stats`` table of ``_keyness_values`` (of its *rows* only, when given: their p-values alone are computed)."""
    part = values if rows is None else {name: column[rows] for name, column in values.items()}
    return pd.DataFrame(
        {
            "rate_target": part["rate_target"],
            "rate_reference": part["rate_reference"],
            "chi2": part["chi2"],
            "chi2_p": chi2_sf(part["chi2_size"], 1),
            "g2": part["g2"],
            "g2_p": chi2_sf(part["g2_size"], 1),
            "direction": np.where(part["sign"] > 0, "target", "reference"),
        }
    )


def keyness_by(
    terms: pd.DataFrame,
    *,
    by: str = "town",
    groups: Sequence[object] | None = None,
    measure: str = "chi2",
    top: int | None = 10,
    reports: pd.DataFrame | None = None,
    keep_places: bool = False,
) -> pd.DataFrame:
    """Keyness of each group of *by* against the rest: [by], then the keyness columns.

    *groups* picks the groups (default: every group, sorted); *top* keeps
    the *top* strongest terms of each direction for each group.  Each
    group's own place names are left out of its comparison unless
    *keep_places* (see ``keyness``).
    """
    columns = [by, *KEYNESS_COLUMNS]
    if terms.empty:
        _warn("no key terms: the terms table is empty")
        return _empty(columns)
    table = _with_columns(terms, [by], reports)
    chosen = sorted(table[by].dropna().unique().tolist()) if groups is None else list(groups)
    if keep_places:
        found = (keyness(table, group, by=by, measure=measure, top=top, keep_places=True) for group in chosen)
    else:  # every (group, token) counted once, each group's places left out of its own comparison
        counted = GroupKeyness(terms, by=by, reports=reports)
        found = (counted(group, measure=measure, top=top) for group in chosen)
    parts = [part.assign(**{by: group}) for group, part in zip(chosen, found) if not part.empty]
    if not parts:
        return _empty(columns)
    return pd.concat(parts, ignore_index=True)[columns]
