"""Snapshot every table the package produces on the reports of data/raw, and compare snapshots.

Used to check that a refactor changes no table::

    git worktree add ../base d25da19 && cd ../base && PYTHONPATH=src python benchmarks/snapshot_tables.py --out /tmp/before
    python benchmarks/snapshot_tables.py --out /tmp/after
    python benchmarks/snapshot_tables.py --compare /tmp/before /tmp/after

``--out`` writes one parquet file per table (``<name>.parquet``) and
``_failed.txt`` listing the tables that could not be computed.  ``--compare``
reads two folders and reports every table missing from one of them or
different (``pandas.testing.assert_frame_equal``, dtypes included); the exit
status is 1 when any differs.

The script imports ``analysis`` from whatever is on the path.  The public
names it calls are gathered in ``API`` below: when a refactor renames or
moves a function, change its entry there (``"module.function"``, first name
that resolves wins) and nothing else.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

import pandas as pd

# Every public name the snapshot uses, in one place.  Each value lists candidate
# locations, tried in order ("module.attribute" under the ``analysis`` package).
API: dict[str, tuple[str, ...]] = {
    "load_corpus": ("corpus.load_corpus",),
    "DATA_RAW": ("config.DATA_RAW",),
    "sections": ("structure.sections",),
    "paragraphs": ("structure.paragraphs",),
    "items": ("structure.items",),
    "sentences": ("structure.sentences",),
    "locate": ("structure.locate",),
    "tokenize": ("tokenize.tokenize",),
    "find_quantities": ("quantities.find_quantities",),
    # frequency
    "terms": ("frequency.terms",),
    "counts": ("frequency.counts",),
    "top_terms": ("frequency.top_terms",),
    "drop_own_places": ("frequency.drop_own_places",),
    "own_places": ("frequency.own_places",),
    "tfidf": ("frequency.tfidf",),
    "keyness": ("keyness.keyness", "frequency.keyness"),
    "keyness_by": ("keyness.keyness_by", "frequency.keyness_by"),
    "kwic": ("concordance.kwic", "frequency.kwic"),
    "kwic_summary": ("concordance.kwic_summary", "frequency.kwic_summary"),
    "cloud_frequencies": ("wordclouds.frequencies",),
    "comparison_weights": ("wordclouds.comparison_weights",),
    # indicators
    "extract": ("indicators.extract",),
    "printable": ("indicators.printable",),
    "nested": ("indicators.nested",),
    "ind_summary": ("indicators.summary",),
    "pivot": ("indicators.pivot",),
    "ind_specificity": ("indicators.specificity",),
    "year_over_year": ("indicators.year_over_year",),
    "provenance": ("indicators.provenance",),
    "key_overview": ("indicators.key_overview",),
    "ind_status_counts": ("indicators.status_counts",),
    "year_over_year_overview": ("indicators.year_over_year_overview",),
    "provenance_summary": ("indicators.provenance_summary",),
    "shared_keys": ("indicators.shared_keys",),
    # themes
    "code_items": ("themes.code_items",),
    "summarize": ("themes.summarize",),
    "code_problems": ("themes.code_problems",),
    "theme_table": ("themes.theme_table",),
    "theme_totals": ("themes.theme_totals",),
    "chi_square": ("themes.chi_square",),
    "side_by_side": ("themes.side_by_side",),
    "side_by_side_long": ("themes.side_by_side_long",),
    "align": ("alignment.align",),
    "unanswered": ("alignment.unanswered",),
    "missing_problems": ("themes.missing_problems",),
    # compliance
    "checklist": ("compliance.checklist",),
    "status_table": ("compliance.status_table",),
    "cmp_status_counts": ("compliance.checklist_counts", "compliance.status_counts"),
    "coverage": ("compliance.coverage",),
    "coverage_summary": ("compliance.coverage_summary",),
    "coverage_table": ("compliance.coverage_table",),
    # boilerplate
    "bp_index": ("boilerplate.index",),
    "bp_shares": ("boilerplate.shares",),
    "bp_passages": ("boilerplate.passages",),
    "bp_shared_sentences": ("boilerplate.shared_sentences",),
    "bp_specificity": ("boilerplate.item_detail", "boilerplate.specificity"),
    # overview tables (summary)
    "overview": ("overview.overview", "summary.overview"),
    "ov_counts": ("overview.counts", "summary.counts"),
    "extremes": ("overview.extremes", "summary.extremes"),
    "ov_corpus_summary": ("overview.corpus_summary", "summary.corpus_summary"),
    "outline": ("overview.outline", "summary.outline"),
    "outline_summary": ("overview.outline_summary", "summary.outline_summary"),
    "item_counts": ("overview.item_counts", "summary.item_counts"),
    "item_distribution": ("overview.item_distribution", "summary.item_distribution"),
    # profile
    "town_reports": ("profile.town_reports",),
    "versus_median": ("profile.versus_median",),
    "problem_plans": ("profile.problem_plans",),
    "plan_list": ("profile.plan_list",),
    "town_rows": ("kept.town_rows", "profile.town_rows"),
    "town_items": ("kept.town_items", "profile.town_items"),
    "coded_problems": ("kept.coded_problems", "profile.coded_problems"),
    "prof_corpus_summary": ("workfolder.indicator_summary", "profile.indicator_summary", "profile.corpus_summary"),
    # pipeline
    "run": ("pipeline.run",),
}


def api(name: str):
    """The object behind ``API[name]``: the first candidate that imports."""
    errors = []
    for where in API[name]:
        module, _, attr = where.rpartition(".")
        try:
            mod = importlib.import_module(f"analysis.{module}")
        except ImportError as exc:
            errors.append(f"{where}: {exc}")
            continue
        if hasattr(mod, attr):
            return getattr(mod, attr)
        errors.append(f"{where}: no attribute")
    raise LookupError(f"{name}: none of {API[name]} found ({'; '.join(errors)})")


def _frame(value: object) -> pd.DataFrame:
    if isinstance(value, pd.Series):
        return value.to_frame()
    if isinstance(value, pd.DataFrame):
        return value
    raise TypeError(f"not a table: {type(value).__name__}")


def tables() -> dict[str, Callable[[], object]]:
    """Name → thunk returning a DataFrame (or Series, or dict of DataFrames)."""
    memo: dict[str, object] = {}

    def m(key: str, make: Callable[[], object]):
        if key not in memo:
            memo[key] = make()
        return memo[key]

    corpus = lambda: m("corpus", lambda: api("load_corpus")(api("DATA_RAW"), warn=False))  # noqa: E731
    reports = lambda: corpus().reports  # noqa: E731
    secs = lambda: m("sections", lambda: api("sections")(reports()))  # noqa: E731
    its = lambda: m("items", lambda: api("items")(reports()))  # noqa: E731
    problems = lambda: m("problems", lambda: api("items")(reports(), role="problems"))  # noqa: E731
    plans = lambda: m("plans", lambda: api("items")(reports(), role="plans"))  # noqa: E731
    terms = lambda: m("terms", lambda: api("terms")(reports()))  # noqa: E731
    rows = lambda: m("rows", lambda: api("extract")(reports()))  # noqa: E731
    codes = lambda: m("codes", lambda: api("code_items")(problems()))  # noqa: E731
    links = lambda: m("links", lambda: api("align")(problems(), plans()))  # noqa: E731
    checklist = lambda: m("checklist", lambda: api("checklist")(reports()))  # noqa: E731
    coverage = lambda: m("coverage", lambda: api("coverage")(reports()))  # noqa: E731
    yoy = lambda: m("yoy", lambda: api("year_over_year")(rows(), reports()))  # noqa: E731
    prov = lambda: m("prov", lambda: api("provenance")(rows()))  # noqa: E731
    summ = lambda: m("summ", lambda: api("ind_summary")(rows(), reports()))  # noqa: E731
    kw = lambda: m("kwic", lambda: api("kwic")(reports(), ["枫桥经验", "法律明白人", "12345", "网格"], window=15))  # noqa: E731
    shared = lambda: m("bp_index", lambda: api("bp_index")(reports()))  # noqa: E731
    results = lambda: m("results", lambda: api("run")(api("DATA_RAW"), workers=1, cache=False, progress=False, warn=False))  # noqa: E731
    town = lambda: reports()["town"].dropna().iloc[0]  # noqa: E731
    mine = lambda: api("town_reports")(reports(), town())  # noqa: E731
    first_theme = lambda: codes()["theme"].iloc[0]  # noqa: E731

    def cached_run():
        folder = Path(tempfile.mkdtemp(prefix="snapshot-cache-"))
        try:
            first = api("run")(api("DATA_RAW"), workers=1, cache=True, cache_dir=folder, progress=False, warn=False)
            second = api("run")(api("DATA_RAW"), workers=1, cache=True, cache_dir=folder, progress=False, warn=False)
            return {"cold": first, "warm": second}
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    warm = lambda: m("cached", cached_run)  # noqa: E731

    def results_tables(key: str) -> dict[str, pd.DataFrame]:
        res = warm()[key]
        out = {"reports": res.reports, "problems": res.problems}
        out.update(res.tables)
        if res.counts is not None:
            out["counts"] = res.counts
        return out

    t: dict[str, Callable[[], object]] = {
        "corpus_reports": reports,
        "corpus_problems": lambda: corpus().problems,
        "sections": secs,
        "paragraphs": lambda: api("paragraphs")(reports()),
        "items": its,
        "items_problems": problems,
        "items_plans": plans,
        "sentences": lambda: api("sentences")(reports()),
        "locate_rows": lambda: api("locate")(rows()[["doc_id", "start", "end"]], reports()),
        "tokens": lambda: api("tokenize")(reports()),
        "tokens_pos": lambda: api("tokenize")(reports(), pos=True),
        "quantities": lambda: pd.DataFrame(
            [
                {"doc_id": d, **{k: (v if not isinstance(v, (list, tuple)) else repr(v)) for k, v in vars(q).items()}}
                if hasattr(q, "__dict__")
                else {"doc_id": d, "q": repr(q)}
                for d, text in zip(reports()["doc_id"], reports()["text"], strict=True)
                for q in api("find_quantities")(text)
            ]
        ),
        # frequency
        "terms": terms,
        "terms_bigram": lambda: api("terms")(reports(), ngram=2),
        "terms_problems": lambda: api("terms")(reports(), role="problems"),
        "counts": lambda: api("counts")(terms()),
        "counts_by_town": lambda: api("counts")(terms(), by="town", reports=reports()),
        "counts_by_role": lambda: api("counts")(terms(), by="role"),
        "top_terms_town": lambda: api("top_terms")(api("counts")(terms(), by="town", reports=reports()), by="town"),
        "own_places": lambda: api("own_places")(terms(), reports=reports()),
        "drop_own_places": lambda: api("drop_own_places")(terms(), reports=reports()),
        "tfidf": lambda: api("tfidf")(terms(), reports=reports()),
        "tfidf_all": lambda: api("tfidf")(terms(), top=None, reports=reports()),
        "keyness_chi2": lambda: api("keyness")(terms(), reports()["doc_id"].iloc[0], reports=reports()),
        "keyness_g2": lambda: api("keyness")(terms(), reports()["doc_id"].iloc[0], measure="g2", reports=reports()),
        "keyness_by_town": lambda: api("keyness_by")(terms(), reports=reports()),
        "kwic": kw,
        "kwic_summary": lambda: api("kwic_summary")(kw()),
        "kwic_regex": lambda: api("kwic")(reports(), r"\d+件", regex=True),
        "cloud_frequencies": lambda: pd.Series(api("cloud_frequencies")(api("counts")(terms())), dtype=float).rename("weight"),
        # indicators
        "indicators": rows,
        "indicators_printable": lambda: api("printable")(rows()),
        "indicators_nested": lambda: api("nested")(rows(), reports()),
        "indicators_summary": summ,
        "indicators_pivot": lambda: api("pivot")(rows(), reports()),
        "indicators_specificity": lambda: api("ind_specificity")(rows(), reports()),
        "indicators_year_over_year": yoy,
        "indicators_provenance": prov,
        "indicators_key_overview": lambda: api("key_overview")(summ()),
        "indicators_status_counts": lambda: api("ind_status_counts")(summ()),
        "indicators_yoy_overview": lambda: api("year_over_year_overview")(yoy()),
        "indicators_provenance_summary": lambda: api("provenance_summary")(prov()),
        "indicators_shared_keys": lambda: api("shared_keys")(rows(), reports()),
        # themes
        "theme_codes": codes,
        "theme_summarize": lambda: api("summarize")(problems(), codes()),
        "theme_code_problems": lambda: api("code_problems")(reports()),
        "theme_table": lambda: api("theme_table")(codes(), problems(), reports=reports()),
        "theme_table_share": lambda: api("theme_table")(codes(), problems(), reports=reports(), share=True),
        "theme_totals": lambda: api("theme_totals")(codes(), problems()),
        "theme_chi_square_tests": lambda: api("chi_square")(codes(), problems(), reports=reports()).tests,
        "theme_chi_square_residuals": lambda: api("chi_square")(codes(), problems(), reports=reports()).residuals,
        "theme_side_by_side": lambda: api("side_by_side")(codes(), problems()),
        "theme_side_by_side_long": lambda: api("side_by_side_long")(codes(), problems(), theme=first_theme()),
        "alignment": links,
        "unanswered": lambda: api("unanswered")(problems(), links()),
        "missing_problems": lambda: api("missing_problems")(reports(), its()),
        # compliance
        "checklist": checklist,
        "checklist_status_table": lambda: api("status_table")(checklist()),
        "checklist_status_counts": lambda: api("cmp_status_counts")(checklist()),
        "coverage": coverage,
        "coverage_summary": lambda: api("coverage_summary")(coverage()),
        "coverage_table": lambda: api("coverage_table")(coverage()),
        # boilerplate
        "boilerplate_shares": lambda: api("bp_shares")(shared()),
        "boilerplate_passages": lambda: api("bp_passages")(shared()),
        "boilerplate_shared_sentences": lambda: api("bp_shared_sentences")(reports(), shared_index=shared()),
        "boilerplate_specificity": lambda: api("bp_specificity")(its(), reports(), shared_index=shared()),
        # overview
        "overview": lambda: api("overview")(reports()),
        "overview_counts_town": lambda: api("ov_counts")(reports(), "town"),
        "overview_counts_year": lambda: api("ov_counts")(reports(), "year"),
        "overview_extremes": lambda: dict(zip(("top", "bottom"), api("extremes")(api("overview")(reports()), "n_chars"), strict=True)),
        "overview_corpus_summary": lambda: api("ov_corpus_summary")(reports()),
        "overview_outline": lambda: api("outline")(secs(), reports()),
        "overview_outline_summary": lambda: api("outline_summary")(secs(), reports()),
        "overview_item_counts": lambda: api("item_counts")(its(), reports()),
        "overview_item_distribution": lambda: api("item_distribution")(its(), reports()),
        # profile
        "profile_town_reports": mine,
        "profile_versus_median": lambda: api("versus_median")(summ(), town()),
        "profile_problem_plans": lambda: api("problem_plans")(api("code_problems")(reports()), links(), reports()),
        "profile_plan_list": lambda: api("plan_list")(plans(), reports()),
        "profile_town_rows": lambda: api("town_rows")(rows(), mine()),
        "profile_town_items_problems": lambda: api("town_items")(results(), mine(), role="problems"),
        "profile_town_items_plans": lambda: api("town_items")(results(), mine(), role="plans"),
        "profile_coded_problems": lambda: api("coded_problems")(results(), mine()),
        "profile_corpus_summary": lambda: api("prof_corpus_summary")(results()),
        # pipeline
        "pipeline": lambda: (
            {k: v for k, v in [("reports", results().reports), ("problems", results().problems), *results().tables.items()]}
            | ({"counts": results().counts} if results().counts is not None else {})
        ),
        "pipeline_all_stages": lambda: dict(
            api("run")(
                api("DATA_RAW"),
                stages=["sections", "items", "tokens", "doc_counts", "indicators", "theme_codes", "checklist", "coverage"],
                workers=1,
                cache=False,
                progress=False,
                warn=False,
            ).tables
        ),
        "pipeline_cache_cold": lambda: results_tables("cold"),
        "pipeline_cache_warm": lambda: results_tables("warm"),
    }
    return t


def _portable(table: pd.DataFrame, root: str) -> pd.DataFrame:
    """File paths under the checkout's root written as ``<ROOT>/...`` so two checkouts compare equal."""
    out = table
    for col in table.columns:
        if not pd.api.types.is_numeric_dtype(table[col]) and table[col].map(lambda v: isinstance(v, str) and v.startswith(root)).any():
            if out is table:
                out = table.copy()
            out[col] = table[col].map(lambda v: "<ROOT>" + v[len(root) :] if isinstance(v, str) and v.startswith(root) else v)
    return out


def _parquet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding lists or dicts become their repr so parquet can store any table."""
    table = table.copy()
    if not isinstance(table.columns, pd.RangeIndex):
        table.columns = [str(c) if not isinstance(c, str) else c for c in table.columns]
    for col in table.columns:
        if table[col].dtype == object:
            sample = table[col].dropna()
            if len(sample) and not all(isinstance(v, str) for v in sample):
                table[col] = table[col].map(lambda v: v if v is None or isinstance(v, str) else repr(v))
    return table


def write(out: Path, only: list[str] | None = None) -> int:
    import analysis

    out.mkdir(parents=True, exist_ok=True)
    root = str(api("DATA_RAW").parents[1])
    failed = []
    written = 0
    for name, make in tables().items():
        if only and name not in only:
            continue
        try:
            value = make()
            parts = value if isinstance(value, dict) else {"": value}
            for part, table in parts.items():
                file = out / (f"{name}__{part}.parquet" if part else f"{name}.parquet")
                frame = _portable(_frame(table), root)
                try:
                    frame.to_parquet(file)
                except Exception:  # noqa: BLE001 - fall back to a stringified copy
                    _parquet_safe(frame).to_parquet(file)
                written += 1
        except Exception as exc:  # noqa: BLE001 - one failing table must not stop the snapshot
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
            traceback.print_exc(file=sys.stderr)
    (out / "_failed.txt").write_text("".join(f"{line}\n" for line in failed), encoding="utf-8")
    print(f"analysis from {Path(analysis.__file__).parent}: {written} tables written to {out}; {len(failed)} failed", file=sys.stderr)
    for line in failed:
        print(f"  failed {line}", file=sys.stderr)
    return 1 if failed else 0


def _columns_note(left: pd.DataFrame, right: pd.DataFrame) -> str:
    """When only columns were added or removed: which, and whether the shared columns are identical."""
    if list(left.columns) == list(right.columns) or len(left) != len(right):
        return ""
    shared = [c for c in left.columns if c in right.columns]
    added = [c for c in right.columns if c not in left.columns]
    removed = [c for c in left.columns if c not in right.columns]
    try:
        pd.testing.assert_frame_equal(left[shared], right[shared], check_dtype=True, check_exact=True)
        same = "identical"
    except AssertionError:
        same = "DIFFERENT"
    return f" — columns added {added}, removed {removed}; the {len(shared)} shared columns are {same}"


def compare(a: Path, b: Path) -> int:
    names_a = {p.name for p in a.glob("*.parquet")}
    names_b = {p.name for p in b.glob("*.parquet")}
    bad = 0
    for name in sorted(names_a ^ names_b):
        print(f"MISSING {name}: only in {a if name in names_a else b}")
        bad += 1
    for name in sorted(names_a & names_b):
        left = pd.read_parquet(a / name)
        right = pd.read_parquet(b / name)
        try:
            pd.testing.assert_frame_equal(left, right, check_dtype=True, check_exact=True)
        except AssertionError as exc:
            print(f"DIFFERS {name}: {str(exc).strip().splitlines()[0:6]}{_columns_note(left, right)}")
            bad += 1
    print(f"{len(names_a & names_b)} tables compared, {bad} differ or are missing")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--out", type=Path, help="folder to write one parquet per table into")
    group.add_argument("--compare", nargs=2, type=Path, metavar=("DIR_A", "DIR_B"), help="report tables that differ")
    parser.add_argument("--only", nargs="*", help="write only these tables (names as in tables())")
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    return write(args.out, args.only)


if __name__ == "__main__":
    sys.exit(main())
