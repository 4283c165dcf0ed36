"""Every public function that takes a table leaves it unchanged (tables in, tables out).

One sweeping test, as texthero does: each public function of the package
whose parameters include a table (``pd.DataFrame``, or the pipeline's
``Results``) is called on tables made from the five real reports, and every
table it was given — directly, inside a dict or list, or inside ``Results`` —
must equal a deep copy taken before the call: values, dtypes, index, columns
and ``attrs``.

The functions are found by walking the package, so a new one must get a case
in ``CASES`` (or a reason in ``NOT_TABLE_FUNCTIONS``): the test names any
function it has no case for.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import pkgutil
from functools import cached_property
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

import analysis
from analysis import config

matplotlib.use("Agg")

# Public functions that take a table but are not called here, and why.
NOT_TABLE_FUNCTIONS = {
    "pipeline.register": "registers a stage function; takes no table",
    "pipeline.corpus_counts": "the runner's step over an open cache store; its tables are checked through pipeline.run",
    "kept.keep": "keeps what its caller makes for a run's results; reads no table (its callers have cases)",
}


def public_table_functions() -> dict[str, object]:
    """``component.name`` → function, for every public function of the package that takes a table."""
    found: dict[str, object] = {}
    for info in pkgutil.walk_packages(analysis.__path__, "analysis."):
        if info.name.startswith("analysis.cli") or info.name == "analysis.__main__":
            continue
        module = importlib.import_module(info.name)
        for name, function in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(function) or function.__module__ != module.__name__:
                continue
            annotations = " ".join(str(p.annotation) for p in inspect.signature(function).parameters.values())
            if "DataFrame" in annotations or "Results" in annotations:
                component = info.name.split(".")[1]
                found[f"{component}.{name}"] = function
    return found


class World:
    """The tables the cases are made of, each computed once from the five reports."""

    def __init__(self, reports: pd.DataFrame, folder: Path) -> None:
        self.reports = reports
        self.folder = folder

    @cached_property
    def sections(self):
        from analysis import structure

        return structure.sections(self.reports)

    @cached_property
    def items(self):
        from analysis import structure

        return structure.items(self.reports)

    @cached_property
    def problems(self):
        from analysis import structure

        return structure.problem_items(self.reports)

    @cached_property
    def plans(self):
        from analysis import structure

        return structure.plan_items(self.reports)

    @cached_property
    def terms(self):
        from analysis import frequency

        return frequency.terms(self.reports)

    @cached_property
    def counts_by_town(self):
        from analysis import frequency

        return frequency.counts(self.terms, by="town", reports=self.reports)

    @cached_property
    def keyness_by_town(self):
        from analysis import keyness

        return keyness.keyness_by(self.terms, reports=self.reports)

    @cached_property
    def kwic(self):
        from analysis import concordance

        return concordance.kwic(self.reports, ["枫桥经验", "网格"])

    @cached_property
    def citations(self):
        from analysis import citations

        return citations.extract(self.reports)

    @cached_property
    def citations_by_year(self):
        from analysis import citations

        return citations.by_kind_and_year(self.citations)

    @cached_property
    def network(self):
        from analysis import cooccurrence

        return cooccurrence.network(self.reports, min_freq=2, top=10)

    @cached_property
    def trends(self):
        from analysis import panel

        return panel.trends(self.reports, rows=self.rows)

    @cached_property
    def rows(self):
        from analysis import indicators

        return indicators.extract(self.reports)

    @cached_property
    def summary(self):
        from analysis import indicators

        return indicators.summary(self.rows, self.reports)

    @cached_property
    def year_over_year(self):
        from analysis import indicators

        return indicators.year_over_year(self.rows, self.reports)

    @cached_property
    def provenance(self):
        from analysis import indicators

        return indicators.provenance(self.rows)

    @cached_property
    def specificity(self):
        from analysis import indicators

        return indicators.specificity(self.rows, self.reports)

    @cached_property
    def codes(self):
        from analysis import themes

        return themes.code_items(self.problems)

    @cached_property
    def coded_problems(self):
        from analysis import themes

        return themes.code_problems(self.reports)

    @cached_property
    def links(self):
        from analysis import alignment

        return alignment.align(self.problems, self.plans)

    @cached_property
    def theme_table(self):
        from analysis import themes

        return themes.theme_table(self.codes, self.problems, reports=self.reports)

    @cached_property
    def checklist(self):
        from analysis import compliance

        return compliance.checklist(self.reports)

    @cached_property
    def coverage(self):
        from analysis import compliance

        return compliance.coverage(self.reports)

    @cached_property
    def shares(self):
        from analysis import boilerplate

        return boilerplate.shares(self.reports)

    @cached_property
    def shared_sentences(self):
        from analysis import boilerplate

        return boilerplate.shared_sentences(self.reports)

    @cached_property
    def results(self):
        from analysis import pipeline

        return pipeline.run(self.reports["path"].tolist(), workers=1, cache=False, progress=False, warn=False)

    @cached_property
    def town(self) -> str:
        return str(self.reports["town"].iloc[0])

    @cached_property
    def mine(self):
        return self.reports[self.reports["town"] == self.town]

    @cached_property
    def versus_median(self):
        from analysis import profile

        return profile.versus_median(self.summary, self.town)

    @cached_property
    def notebooks(self):
        from analysis import briefings

        return briefings.find_notebooks(config.NOTEBOOKS_DIR)


def _tmp(w: World, name: str) -> Path:
    path = w.folder / name
    path.mkdir(parents=True, exist_ok=True)
    return path


# component.function → w → (args, kwargs)
def scorecard_of(w: World):
    """The scorecard of the five reports, computed once per world (scorecard and flags cases)."""
    if not hasattr(w, "_scorecard"):
        from analysis import scorecard

        w._scorecard = scorecard.assess(w.reports, rows=w.rows, checklist=w.checklist, coverage=w.coverage)
    return w._scorecard


def correspondence_table(w: World) -> pd.DataFrame:
    from analysis import correspondence

    return correspondence.term_table(w.reports, terms=w.terms, top=10)


CASES = {
    # reading
    "corpus.town_labels": lambda w: ((w.reports,), {}),
    # structure
    "structure.sections": lambda w: ((w.reports,), {}),
    "structure.paragraphs": lambda w: ((w.reports,), {}),
    "structure.items": lambda w: ((w.reports,), {"role": "problems"}),
    "structure.problem_items": lambda w: ((w.reports,), {}),
    "structure.plan_items": lambda w: ((w.reports,), {}),
    "structure.sentences": lambda w: ((w.reports,), {}),
    "structure.offer": lambda w: (
        (w.reports, {"sentences": lambda: analysis.structure._sentences(w.reports, None)}),
        {},
    ),  # what it offers is right
    "structure.locate": lambda w: ((w.rows[["doc_id", "start", "end"]].copy(), w.reports), {}),
    "structure.sentence_at": lambda w: ((w.rows["doc_id"].tolist(), w.rows["start"].tolist(), w.reports), {}),
    "tokenize.tokenize": lambda w: ((w.reports,), {"pos": True}),
    # frequency and word clouds
    "frequency.terms": lambda w: ((w.reports,), {"role": "problems"}),
    "frequency.own_places": lambda w: ((w.terms,), {"reports": w.reports}),
    "frequency.drop_own_places": lambda w: ((w.terms,), {"reports": w.reports}),
    "frequency.counts": lambda w: ((w.terms,), {"by": "town", "reports": w.reports}),
    "frequency.rate_and_rank": lambda w: ((w.counts_by_town[["town", "token", "count", "docs"]],), {"by": ["town"]}),
    "pipeline.partial_counts": lambda w: ((w.counts_by_town,), {}),
    "frequency.top_terms": lambda w: ((w.counts_by_town,), {"by": "town", "top": 5}),
    "frequency.largest_groups": lambda w: ((w.counts_by_town,), {"by": "town", "limit": 3}),
    "frequency.tfidf": lambda w: ((w.terms,), {"reports": w.reports}),
    "keyness.keyness": lambda w: ((w.terms, w.town), {"by": "town", "reports": w.reports}),
    "keyness.keyness_by": lambda w: ((w.terms,), {"reports": w.reports}),
    "concordance.kwic": lambda w: ((w.reports, "网格"), {}),
    "concordance.kwic_summary": lambda w: ((w.kwic,), {}),
    "wordclouds.frequencies": lambda w: ((w.counts_by_town,), {"top": 50}),
    "wordclouds.cloud": lambda w: ((w.counts_by_town,), {"max_words": 30, "width": 300, "height": 200}),
    "wordclouds.cloud_figure": lambda w: ((w.counts_by_town,), {"max_words": 30, "width": 300, "height": 200}),
    "wordclouds.cloud_image": lambda w: ((w.counts_by_town,), {"max_words": 30, "width": 300, "height": 200}),
    "wordclouds.cloud_grid": lambda w: ((w.counts_by_town,), {"max_words": 20}),
    "wordclouds.cloud_grid_html": lambda w: ((w.counts_by_town,), {"max_words": 20, "width": 200, "height": 150}),
    "wordclouds.comparison_weights": lambda w: ((w.counts_by_town,), {}),
    "wordclouds.comparison_cloud": lambda w: ((w.counts_by_town,), {"max_words": 30, "size": 300}),
    "wordclouds.comparison_cloud_image": lambda w: ((w.counts_by_town,), {"max_words": 30, "size": 300}),
    # indicators
    "indicators.extract": lambda w: ((w.reports,), {}),
    "indicators.printable": lambda w: ((w.rows,), {}),
    "indicators.nested": lambda w: ((w.rows, w.reports), {}),
    "indicators.summary": lambda w: ((w.rows, w.reports), {}),
    "indicators.summary_from": lambda w: ((w.summary,), {}),  # lines as the figures stage makes them
    "indicators.pivot": lambda w: ((w.rows, w.reports), {}),
    "indicators.specificity": lambda w: ((w.rows, w.reports), {}),
    "indicators.year_over_year": lambda w: ((w.rows, w.reports), {}),
    "indicators.provenance": lambda w: ((w.rows,), {"keys": ["disputes_resolved", "trainees"]}),
    "indicators.shared_keys": lambda w: ((w.rows, w.reports), {}),
    "indicators.export": lambda w: (({"rows": w.rows, "summary": w.summary}, _tmp(w, "indicators")), {}),
    "indicators.key_overview": lambda w: ((w.summary,), {}),
    "indicators.status_counts": lambda w: ((w.summary,), {}),
    "indicators.year_over_year_overview": lambda w: ((w.year_over_year,), {}),
    "indicators.key_coverage": lambda w: ((w.rows,), {}),
    "indicators.unkeyed_phrasings": lambda w: ((w.rows, w.reports), {}),
    "indicators.provenance_summary": lambda w: ((w.provenance,), {}),
    # themes, compliance, boilerplate
    "themes.code_items": lambda w: ((w.problems,), {}),
    "themes.summarize": lambda w: ((w.problems, w.codes), {}),
    "themes.code_problems": lambda w: ((w.reports,), {}),
    "themes.theme_table": lambda w: ((w.codes, w.problems), {"reports": w.reports, "share": True}),
    "themes.theme_totals": lambda w: ((w.codes, w.problems), {}),
    "themes.chi_square": lambda w: ((w.codes, w.problems), {"reports": w.reports}),
    "themes.side_by_side": lambda w: ((w.codes, w.problems), {}),
    "themes.side_by_side_long": lambda w: ((w.codes, w.problems), {"theme": str(w.codes["theme"].iloc[0])}),
    "alignment.align": lambda w: ((w.problems, w.plans), {}),
    "alignment.unanswered": lambda w: ((w.problems, w.links), {}),
    "themes.missing_problems": lambda w: ((w.reports, w.items), {}),
    "compliance.checklist": lambda w: ((w.reports,), {}),
    "compliance.status_table": lambda w: ((w.checklist,), {}),
    "compliance.checklist_counts": lambda w: ((w.checklist,), {}),
    "compliance.coverage": lambda w: ((w.reports,), {}),
    "compliance.coverage_summary": lambda w: ((w.coverage,), {}),
    "compliance.coverage_table": lambda w: ((w.coverage,), {}),
    "boilerplate.normalise": lambda w: ((w.reports,), {}),
    "boilerplate.index": lambda w: ((w.reports,), {}),
    "boilerplate.shares": lambda w: ((w.reports,), {}),
    "boilerplate.passages": lambda w: ((w.reports,), {}),
    "boilerplate.shared_sentences": lambda w: ((w.reports,), {}),
    "boilerplate.item_detail": lambda w: ((w.problems, w.reports), {}),
    # the same town across years (five reports of one year each: the tables are empty, the inputs still checked)
    "panel.panel": lambda w: ((w.reports,), {}),
    "panel.pairs": lambda w: ((w.reports,), {}),
    "panel.evidence_sentences": lambda w: ((w.reports,), {}),
    "panel.follow_through": lambda w: ((w.reports,), {}),
    "panel.fulfilment": lambda w: ((pd.DataFrame(columns=["town", "county", "year", "evidence_year", "status"]),), {}),
    "panel.recurring": lambda w: ((w.reports,), {}),
    "panel.carried_over": lambda w: ((w.reports,), {}),
    "panel.trends": lambda w: ((w.reports,), {"rows": w.rows, "summary_table": w.summary}),  # the summary as 06 gives it
    "panel.readable": lambda w: ((pd.DataFrame({"status": ["done"], "recurring": [True], "town": ["某镇"]}),), {}),
    # citations, co-occurrence, correspondence analysis, topics
    "citations.extract": lambda w: ((w.reports,), {}),
    "citations.counts": lambda w: ((w.citations,), {"by": "town"}),
    "citations.by_kind_and_year": lambda w: ((w.citations,), {}),
    "citations.outdated": lambda w: ((w.citations,), {}),
    "citations.readable": lambda w: ((w.citations,), {}),
    "cooccurrence.units": lambda w: ((w.reports,), {"terms": w.terms}),
    "cooccurrence.network": lambda w: ((w.reports,), {"min_freq": 2, "top": 10}),
    "cooccurrence.communities": lambda w: (w.network, {}),
    "correspondence.term_table": lambda w: ((w.reports,), {"terms": w.terms, "top": 10}),
    "correspondence.theme_table": lambda w: ((w.reports,), {"codes": w.codes, "items": w.problems}),
    "correspondence.fit": lambda w: ((correspondence_table(w),), {}),
    "topics.documents": lambda w: ((w.reports,), {"terms": w.terms}),
    "topics.fit": lambda w: ((w.reports,), {"terms": w.terms, "n_topics": 3}),
    "topics.readable": lambda w: ((w.terms.head(3),), {}),
    # flags and the scorecard
    "flags.partners": lambda w: ((w.reports,), {}),
    "flags.impossible_figures": lambda w: ((w.rows,), {}),
    "flags.gather_evidence": lambda w: ((w.reports, w.rows), {}),
    "flags.most_shared_sentences": lambda w: ((w.shared_sentences,), {}),
    "tables.rows_by": lambda w: ((w.rows,), {}),
    "tables.records": lambda w: ((w.rows,), {}),
    "tables.records_by": lambda w: ((w.rows,), {}),
    "tables.spans_of": lambda w: ((w.terms, analysis.sentences(w.reports)), {}),
    "flags.flags": lambda w: ((w.reports,), {"rows": w.rows}),
    "flags.readable": lambda w: (
        (
            pd.DataFrame(
                {"doc_id": ["a"], "town": ["某镇"], "year": [2025], "flag": ["rate_over_100"], "detail": ["120%"], "evidence": ["率达120%"]}
            ),
        ),
        {},
    ),
    "scorecard.assess": lambda w: ((w.reports,), {"rows": w.rows, "checklist": w.checklist, "coverage": w.coverage}),
    "scorecard.score": lambda w: ((w.reports.head(1),), {}),
    "scorecard.apply_overrides": lambda w: (
        (
            scorecard_of(w).scores,
            pd.DataFrame({"doc_id": [w.reports["doc_id"].iloc[0]], "criterion": ["elements"], "score": [20.0], "reason": ["复核"]}),
        ),
        {},
    ),
    "scorecard.totals": lambda w: ((scorecard_of(w).scores,), {}),
    "scorecard.readable": lambda w: ((scorecard_of(w).totals,), {}),
    "scorecard.wide": lambda w: ((scorecard_of(w).scores, scorecard_of(w).totals), {}),
    "scorecard.export": lambda w: (
        (scorecard_of(w).scores, scorecard_of(w).totals, _tmp(w, "scorecard")),
        {"issues": scorecard_of(w).issues},
    ),
    # the pipeline and its cache
    "cache.entry_keys": lambda w: ((w.reports,), {}),
    "cache.corpus_key": lambda w: ((w.reports, "0" * 64), {}),
    "cache.write_work_table": lambda w: ((w.summary, _tmp(w, "work") / "summary.parquet"), {"key": "0" * 64}),
    # tables and figures for the reader
    "overview.overview": lambda w: ((w.reports,), {}),
    "overview.counts": lambda w: ((w.reports, "town"), {}),
    "overview.extremes": lambda w: ((w.reports, "n_chars"), {"n": 2}),
    "overview.corpus_summary": lambda w: ((w.reports,), {"top": 3}),
    "overview.outline": lambda w: ((w.sections, w.reports), {}),
    "overview.outline_summary": lambda w: ((w.sections, w.reports), {}),
    "overview.item_counts": lambda w: ((w.items, w.reports), {}),
    "overview.item_distribution": lambda w: ((w.items, w.reports), {}),
    "display.one_line": lambda w: ((w.problems,), {}),
    "display.note": lambda w: ((w.problems,), {}),
    "display.with_note": lambda w: ((w.problems, "说明"), {}),
    "display.largest": lambda w: ((w.counts_by_town, 5), {"by": "town", "weight": "count"}),
    "display.shown": lambda w: ((w.rows, {"汇总": w.summary}), {"at_scale": True, "file": "rows.csv"}),
    "display.show": lambda w: ((w.rows, {"汇总": w.summary}), {"at_scale": False}),
    "display.problems_note": lambda w: ((w.results.problems,), {}),
    "display.readable": lambda w: ((w.rows,), {"reports": w.reports}),
    "display.table_html": lambda w: ((w.rows,), {"limit": 5, "file": "indicators_rows.csv", "reports": w.reports}),
    "display.table": lambda w: ((w.rows,), {"limit": 5}),
    "display.most_reported": lambda w: ((w.rows.pivot_table(index="town", columns="unit", values="value", aggfunc="sum"),), {}),
    "export.export": lambda w: (({"reports": w.reports.drop(columns="text")}, _tmp(w, "export")), {"stem": "corpus"}),
    "plots.report_lengths": lambda w: ((w.reports,), {}),
    "plots.terms_bar": lambda w: ((w.counts_by_town,), {}),
    "plots.terms_facets": lambda w: ((w.counts_by_town,), {}),
    "plots.terms_facets_html": lambda w: ((w.counts_by_town,), {}),
    "plots.keyness_bar": lambda w: ((w.keyness_by_town[w.keyness_by_town["town"] == w.town],), {}),
    "plots.keyness_facets": lambda w: ((w.keyness_by_town,), {}),
    "plots.keyness_facets_html": lambda w: ((w.keyness_by_town,), {}),
    "plots.shared_keys_chart": lambda w: ((w.rows, w.reports), {}),
    "plots.key_distribution_chart": lambda w: ((w.rows, w.reports), {}),
    "plots.specificity_chart": lambda w: ((w.specificity,), {}),
    "plots.ratio_chart": lambda w: ((w.versus_median,), {}),
    "plots.ratio_chart_html": lambda w: ((w.versus_median,), {}),
    "plots.ratios_drawn": lambda w: ((w.versus_median,), {"top": 1}),
    "plots.terms_bar_html": lambda w: ((w.counts_by_town,), {}),
    "plots.terms_drawn": lambda w: ((w.counts_by_town,), {"top": 5, "value": "count"}),
    "plots.keyness_bar_html": lambda w: ((w.keyness_by_town[w.keyness_by_town["town"] == w.town],), {}),
    "plots.keyness_drawn": lambda w: ((w.keyness_by_town,), {"top": 5, "measure": "chi2"}),
    "plots.pick_groups": lambda w: ((w.counts_by_town, "town", None, 3, "count"), {}),
    "plots.group_parts": lambda w: ((w.counts_by_town, "town", ["神树镇", "双庙镇"]), {}),
    "plots.town_labels": lambda w: ((w.reports, "·"), {}),
    "plots.theme_heatmap": lambda w: ((w.theme_table,), {}),
    "plots.residual_heatmap": lambda w: ((w.theme_table,), {}),
    "plots.coverage_heatmap": lambda w: ((w.coverage.pivot_table(index="town", columns="area", values="per_1000"),), {}),
    "plots.theme_heatmap_html": lambda w: ((w.theme_table,), {}),
    "plots.heat_table": lambda w: (
        (w.theme_table,),
        {"title": "", "cmap": "Blues", "vmin": 0, "vmax": None, "fmt": ".0f", "key_label": "", "corner": ""},
    ),
    "plots.residual_heatmap_html": lambda w: ((w.theme_table,), {}),
    "plots.coverage_heatmap_html": lambda w: ((w.coverage.pivot_table(index="town", columns="area", values="per_1000"),), {}),
    "plots.checklist_chart": lambda w: ((w.checklist,), {}),
    "plots.shares_chart": lambda w: ((w.shares,), {}),
    "plots.network_chart": lambda w: (w.network, {}),
    "plots.network_facets": lambda w: (w.network, {}),
    "plots.network_chart_html": lambda w: (w.network, {}),
    "plots.network_facets_html": lambda w: (w.network, {}),
    "plots.fulfilment_chart": lambda w: (
        (pd.DataFrame(columns=["town", "county", "year", "plans", "done", "mentioned", "no_evidence", "rate"]),),
        {},
    ),
    "plots.trend_chart": lambda w: ((w.trends,), {"indicator": "disputes_resolved"}),
    "plots.carried_chart": lambda w: ((pd.DataFrame(columns=["town", "county", "year", "share"]),), {}),
    "plots.citations_chart": lambda w: ((w.citations_by_year,), {}),
    # kept: what a briefing worker keeps of a run
    "kept.town_rows": lambda w: ((w.rows, w.mine), {}),
    "kept.cached_rows": lambda w: ((w.checklist, w.mine), {}),
    "kept.report_rows": lambda w: ((w.results, ("items", "immutability"), lambda: w.results["items"], w.mine), {}),
    "kept.town_items": lambda w: ((w.results, w.mine), {"role": "problems"}),
    "kept.coded_problems": lambda w: ((w.results, w.mine), {}),
    "kept.problem_codes": lambda w: ((w.results, w.mine), {}),
    "kept.corpus_terms": lambda w: ((w.results,), {}),
    "kept.town_keyness": lambda w: ((w.results,), {}),
    "kept.town_terms": lambda w: ((w.results, w.town), {}),
    # workfolder: what a build makes once into its work folder
    "workfolder.flags_for": lambda w: ((w.results,), {}),
    "workfolder.prepare": lambda w: ((w.results, _tmp(w, "profile")), {}),
    "workfolder.indicator_summary": lambda w: ((w.results,), {}),
    "workfolder.figures": lambda w: ((w.results,), {}),
    "workfolder.links_for": lambda w: ((w.results,), {}),
    "workfolder.town_links": lambda w: ((w.results, w.mine), {}),
    "workfolder.problem_links": lambda w: ((w.results, w.reports), {}),
    "workfolder.shared_wording": lambda w: ((w.results, w.reports), {}),
    "workfolder.scorecard_for": lambda w: ((w.results,), {}),
    # profile: a town's page
    "profile.town_reports": lambda w: ((w.reports, w.town), {}),
    "profile.heading": lambda w: ((w.mine,), {}),
    "profile.versus_median": lambda w: ((w.summary, w.town), {}),
    "profile.problem_plans": lambda w: ((w.coded_problems, w.links, w.reports), {}),
    "profile.plan_list": lambda w: ((w.plans, w.reports), {}),
    "profile.or_say": lambda w: ((w.problems, "没有条目。"), {}),
    "profile.town_figures": lambda w: ((w.results, w.town), {}),
    "profile.ratio_or_say": lambda w: ((w.versus_median,), {}),
    "profile.problems_beside_plans": lambda w: ((w.problems, w.plans, w.links, w.reports), {}),
    "profile.verdict": lambda w: ((scorecard_of(w).scores, scorecard_of(w).totals, w.town), {}),
    "profile.improvements": lambda w: ((scorecard_of(w).issues, w.town), {}),
    "scorecard.county_table": lambda w: ((scorecard_of(w).totals, w.rows, w.reports), {}),
    # briefings
    "briefings.plan": lambda w: ((w.reports, w.notebooks), {"data_dir": config.DATA_RAW, "out": _tmp(w, "briefings")}),
    "briefings.input_hash": lambda w: ((w.reports,), {}),
    "briefings.index_html": lambda w: (
        (w.reports, w.results.problems, [], pd.DataFrame(columns=["briefing", "town", "html", "seconds", "status", "message"])),
        {
            "meta": {
                "run_date": "2026-01-01",
                "data_dir": "data/raw",
                "data_hash": "0",
                "lexicon_hash": "0",
                "version": "0",
                "seconds": 1,
                "parameters": {},
            }
        },
    ),
}


@pytest.fixture(scope="module")
def world(reports, tmp_path_factory) -> World:
    return World(reports, tmp_path_factory.mktemp("immutability"))


def test_every_public_table_function_has_a_case():
    missing = sorted(set(public_table_functions()) - set(CASES) - set(NOT_TABLE_FUNCTIONS))
    assert not missing, f"add a case to CASES in tests/test_immutability.py for: {', '.join(missing)}"
    gone = sorted(set(CASES) - set(public_table_functions()))
    assert not gone, f"these cases name no public table function any more: {', '.join(gone)}"


def _tables(value: object, path: str = "") -> list[tuple[str, pd.DataFrame]]:
    """Every table inside *value* (a table, a dict or list of them, or the pipeline's Results)."""
    if isinstance(value, pd.DataFrame):
        return [(path, value)]
    if isinstance(value, dict):
        return [t for key, item in value.items() for t in _tables(item, f"{path}[{key!r}]")]
    if isinstance(value, (list, tuple)):
        return [t for i, item in enumerate(value) for t in _tables(item, f"{path}[{i}]")]
    if type(value).__name__ == "Results":
        found = [(f"{path}.reports", value.reports), (f"{path}.problems", value.problems)]
        return found + _tables(dict(value.tables), f"{path}.tables")
    return []


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_inputs_are_left_unchanged(name, world):
    import matplotlib.pyplot as plt

    functions = public_table_functions()
    if name not in functions:
        pytest.fail(f"{name} is no public table function any more; remove its case")
    args, kwargs = CASES[name](world)
    given = _tables(list(args), "args") + _tables(kwargs, "kwargs")
    assert given, f"{name}: the case gives no table"
    before = [(where, table.copy(deep=True), copy.deepcopy(table.attrs)) for where, table in given]
    try:
        functions[name](*args, **kwargs)
    finally:
        plt.close("all")
    for (where, table), (_, saved, attrs) in zip(given, before, strict=True):
        pd.testing.assert_frame_equal(table, saved, check_exact=True, obj=f"{name}: {where}")
        assert table.attrs == attrs, f"{name}: {where}.attrs changed"
