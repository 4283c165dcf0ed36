"""The pipeline on the five real reports: same tables as the stages, cached, parallel, never stale.

Every run writes its cache under tmp_path; the lexicon test runs in a
subprocess on a copy of the project (ANALYSIS_ROOT), never on data/lexicon.
"""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
import textwrap
import warnings

import pandas as pd
import pytest

from analysis import config, frequency, indicators, pipeline, structure, themes
from analysis.cache import CacheWarning
from analysis.corpus import load_corpus
from analysis.errors import AnalysisError
from analysis.pipeline import PipelineError
from analysis.tokenize import tokenize
from tests.conftest import IDS


def quiet_run(paths=config.DATA_RAW, **options) -> pipeline.Results:
    options.setdefault("progress", False)
    options.setdefault("warn", False)
    return pipeline.run(paths, **options)


@pytest.fixture(scope="module")
def direct(reports):
    """Each stage's function called on the whole corpus at once."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", frequency.FrequencyWarning)
        terms = frequency.terms(reports)
        return {
            "sections": structure.sections(reports),
            "items": structure.items(reports),
            "tokens": tokenize(reports),
            "doc_counts": frequency.counts(terms, by="doc_id"),
            "indicators": indicators.extract(reports),
            "theme_codes": themes.code_items(structure.problem_items(reports)),
            "counts": frequency.counts(terms),
        }


@pytest.fixture(scope="module")
def cold(tmp_path_factory):
    """A serial run on an empty cache, and the cache folder it filled."""
    folder = tmp_path_factory.mktemp("cache")
    return quiet_run(workers=1, cache_dir=folder), folder


def tables(results: pipeline.Results) -> dict[str, pd.DataFrame]:
    return {name: results[name] for name in [*results.tables, "counts"]}


def assert_same(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    assert sorted(left) == sorted(right)
    for name in left:
        pd.testing.assert_frame_equal(left[name], right[name], obj=name)


def computed(results: pipeline.Results) -> dict[str, tuple[int, int]]:
    """(computed, cached) reports of the load step and of every stage."""
    rows = results.timings.set_index("step")
    return {step: (int(rows.at[step, "computed"]), int(rows.at[step, "cached"])) for step in ["load", *results.tables]}


def writable_copy(tmp_path):
    folder = tmp_path / "raw"
    shutil.copytree(config.DATA_RAW, folder)
    for path in folder.iterdir():
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return folder


# ------------------------------------------------------------------ the tables


def test_the_reports_table_is_the_loaders(cold, corpus):
    results, _ = cold
    pd.testing.assert_frame_equal(results.reports, corpus.reports)
    pd.testing.assert_frame_equal(results.problems, corpus.problems)


def test_every_table_equals_its_stage_on_the_whole_corpus(cold, direct):
    results, _ = cold
    assert list(results.tables) == list(pipeline.DEFAULT_STAGES)
    assert_same(tables(results), direct)


def test_attribute_and_item_access(cold):
    results, _ = cold
    assert results.indicators is results["indicators"]
    assert set(results.tokens["doc_id"]) == set(IDS.values())
    with pytest.raises(KeyError, match="this run has: sections, items"):
        results["nothing"]
    with pytest.raises(AttributeError):
        results.nothing  # noqa: B018


def test_parallel_output_is_identical_to_the_serial_run(cold):
    serial = quiet_run(workers=1, cache=False)
    parallel = quiet_run(workers=2, cache=False, chunk_size=1)  # five chunks over two processes
    assert_same(tables(parallel), tables(serial))
    assert_same(tables(serial), tables(cold[0]))
    pd.testing.assert_frame_equal(parallel.reports, serial.reports)


def test_an_empty_folder_gives_empty_tables_with_their_columns(tmp_path, direct):
    (tmp_path / "reports").mkdir()
    results = quiet_run(tmp_path / "reports", workers=1, cache_dir=tmp_path / "cache")
    assert results.reports.empty
    for name, table in tables(results).items():
        assert table.empty and list(table.columns) == list(direct[name].columns), name


# ------------------------------------------------------------------ the cache


def test_a_second_run_reads_everything_from_the_cache(cold, direct):
    results, folder = cold
    again = quiet_run(workers=1, cache_dir=folder)
    assert set(computed(again).values()) == {(0, 5)}
    assert_same(tables(again), direct)


def test_large_tables_stay_on_disk_until_asked_for(cold, direct):
    results, folder = cold
    again = quiet_run(workers=1, cache_dir=folder)
    assert not again.tables.loaded("tokens") and again.tables.loaded("sections")
    assert "tokens" in again.tables and "figures" not in again.tables  # asking whether the run has a table reads none
    assert not again.tables.loaded("tokens")
    pd.testing.assert_frame_equal(again.tokens, direct["tokens"])
    assert again.tables.loaded("tokens")


def test_the_tables_kept_in_memory_are_read_as_their_chunks_end(tmp_path, direct, monkeypatch):
    from analysis import cache
    from analysis.pipeline import runner

    held = {}
    real = runner._compute

    def computed_then_look(*args, **kwargs):
        partials = real(*args, **kwargs)
        for key in cache._READ_AHEAD:  # what is waiting to be asked for: (path, size, time, key, table)
            held[key[4]] = held.get(key[4], 0) + 1
        return partials

    monkeypatch.setattr(runner, "_compute", computed_then_look)
    results = quiet_run(workers=2, cache_dir=tmp_path, chunk_size=2)  # three chunks
    assert held == {"sections": 3, "items": 3, "indicators": 3, "theme_codes": 3}  # not tokens nor doc_counts: kept on disk
    assert not cache._READ_AHEAD  # each taken by the run's read
    for name in ("sections", "items", "indicators", "theme_codes"):
        pd.testing.assert_frame_equal(results[name], direct[name], obj=name)


def test_files_are_hashed_ahead_only_when_the_cache_holds_reads(tmp_path, monkeypatch):
    from analysis import cache

    hashed = []
    real = cache.file_sha256
    monkeypatch.setattr(cache, "file_sha256", lambda path: hashed.append(path) or real(path))
    first = quiet_run(workers=1, cache_dir=tmp_path)
    assert hashed == []  # nothing kept to look up: every file is read (and hashed as it is read)
    again = quiet_run(workers=1, cache_dir=tmp_path)
    assert len(hashed) == 5 and computed(again)["load"] == (0, 5)  # every read found by its file's sha256
    pd.testing.assert_frame_equal(again.reports, first.reports)


def test_a_run_lists_the_files_it_was_given_once(tmp_path, monkeypatch, reports):
    from analysis import corpus
    from analysis.pipeline import runner

    listed = []
    real = corpus._expand
    counting = lambda paths: listed.append(paths) or real(paths)  # noqa: E731
    monkeypatch.setattr(corpus, "_expand", counting)
    monkeypatch.setattr(runner, "_expand", counting)
    results = quiet_run(workers=1, cache_dir=tmp_path)
    assert len(listed) == 1
    pd.testing.assert_frame_equal(results.reports, reports)


def test_the_warm_up_report_takes_every_stage_through_the_lexicons_rules():
    """``_warm_up`` loads what each stage reads by running it on a made-up report: that report must reach the
    rules (three parts, counted activities, problems with themes), or the workers would load them at their
    first chunk after all."""
    from analysis.corpus import REPORT_COLUMNS
    from analysis.pipeline import tasks
    from analysis.pipeline.stages import Context

    tasks._warm_up(tuple(pipeline.STAGES))
    report = {column: None for column in REPORT_COLUMNS} | {"doc_id": "_warm_up", "text": tasks.WARM_UP_TEXT, "year": 2025}
    sample = pd.DataFrame([report], columns=REPORT_COLUMNS).astype({"year": "Int64"})
    ctx = Context()
    assert ctx.get("sections", sample)["role"].tolist() == ["achievements", "problems", "plans"]
    assert ctx.get("indicators", sample)["indicator"].tolist() == ["enforcement_inspections", "trainings", "trainees"]
    assert len(ctx.get("theme_codes", sample)) == 2 and len(ctx.get("plan_codes", sample)) > 0
    assert {"专项执法检查", "法治政府建设", "普法宣传"} <= set(ctx.get("tokens", sample)["token"])  # the domain terms, kept whole


def test_a_chunks_term_counts_are_summed_by_term_in_order_of_first_appearance():
    from analysis.pipeline import tasks

    counts = pd.DataFrame({"doc_id": ["a", "a", "b", "b"], "token": ["法治", "宣传", "法治", "培训"], "count": [3, 1, 2, 5]})
    summed = tasks.partial_counts(counts)
    assert summed.to_pydict() == {"token": ["法治", "宣传", "培训"], "count": [5, 1, 5], "docs": [2, 1, 1]}
    assert summed.schema == tasks.PARTIAL_SCHEMA
    gaps = tasks.partial_counts(pd.DataFrame({"token": ["a", None, "a", "b"], "count": [1, 2, 3, 4]}))
    rows = {t: (c, d) for t, c, d in zip(*gaps.to_pydict().values())}
    assert rows == {"a": (4, 2), None: (2, 1), "b": (4, 1)}  # a missing term is a term of its own
    assert tasks.partial_counts(counts.iloc[:0]).num_rows == 0


def test_a_runs_last_chunks_are_smaller_so_that_the_workers_end_together():
    from analysis.pipeline import runner

    bounds = runner._chunk_bounds(10_000, 200, even_end=True)
    assert bounds[0] == (0, 200) and bounds[-1][1] == 10_000
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))  # contiguous: every report once, in order
    assert [end - start for start, end in bounds[-9:]] == [200] + [50] * 8 and len(bounds) == 56
    assert runner._chunk_bounds(10_000, 200, even_end=False) == [(s, s + 200) for s in range(0, 10_000, 200)]  # a size asked for
    assert runner._chunk_bounds(5, 2, even_end=True) == [(0, 2), (2, 4), (4, 5)]  # too few chunks to cut


def test_a_cache_file_lost_after_the_run_is_computed_again(tmp_path, direct):
    results = quiet_run(workers=1, cache_dir=tmp_path)
    for path in (tmp_path / "tokens").rglob("*.parquet"):
        path.unlink()
    pd.testing.assert_frame_equal(results.tokens, direct["tokens"])


def test_corpus_counts_are_kept_for_each_set_of_reports(tmp_path, reports, direct, monkeypatch):
    quiet_run(workers=1, cache_dir=tmp_path)
    four = sorted(config.DATA_RAW.glob("*.txt"))[:4]
    subset = quiet_run(four, workers=1, cache_dir=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", frequency.FrequencyWarning)
        expected = frequency.counts(frequency.terms(reports[reports["doc_id"].isin([f.stem for f in four])]))
    pd.testing.assert_frame_equal(subset.counts, expected)
    assert len(list((tmp_path / pipeline.COUNTS_TABLE).rglob("*.parquet"))) == 2

    def must_not_sum(*args, **kwargs):
        raise AssertionError("the corpus counts were summed again instead of read from the cache")

    monkeypatch.setattr(pipeline.term_counts, "_sum_counts", must_not_sum)
    pd.testing.assert_frame_equal(quiet_run(workers=1, cache_dir=tmp_path).counts, direct["counts"])
    pd.testing.assert_frame_equal(quiet_run(four, workers=1, cache_dir=tmp_path).counts, expected)


def test_corpus_counts_add_the_workers_sums_to_the_cached_reports_counts(tmp_path, direct, monkeypatch):
    """Three reports cached, two computed a chunk each: the two come in as the workers' sums, never read back
    from the cache; the three are read; together they are the counts of all five."""
    three = sorted(config.DATA_RAW.glob("*.txt"))[:3]
    quiet_run(three, workers=1, cache_dir=tmp_path)
    read = []
    original = pipeline.term_counts._read_complete

    def recording(store, entries, *args, **kwargs):
        read.append(list(entries))
        return original(store, entries, *args, **kwargs)

    monkeypatch.setattr(pipeline.term_counts, "_read_complete", recording)
    results = quiet_run(workers=1, cache_dir=tmp_path, chunk_size=1)
    assert computed(results)["doc_counts"] == (2, 3)
    assert [len(entries) for entries in read] == [3]
    pd.testing.assert_frame_equal(results.counts, direct["counts"])
    read.clear()
    fresh = quiet_run(workers=1, cache_dir=tmp_path / "fresh", chunk_size=2)  # every report computed: nothing read
    assert read == []
    pd.testing.assert_frame_equal(fresh.counts, direct["counts"])


def test_only_the_latest_sets_of_corpus_counts_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline.term_counts, "COUNTS_KEPT", 1)
    quiet_run(workers=1, cache_dir=tmp_path)
    four = sorted(config.DATA_RAW.glob("*.txt"))[:4]
    latest = quiet_run(four, workers=1, cache_dir=tmp_path).counts
    assert len(list((tmp_path / pipeline.COUNTS_TABLE).rglob("*.parquet"))) == 1
    monkeypatch.setattr(pipeline.term_counts, "_sum_counts", lambda *a, **k: pytest.fail("the latest set's counts should be cached"))
    pd.testing.assert_frame_equal(quiet_run(four, workers=1, cache_dir=tmp_path).counts, latest)


def test_a_report_with_no_tokens_beside_others(tmp_path):
    """Its chunk's token table is empty; the cache must still hold it beside the others' text columns."""
    folder = writable_copy(tmp_path)
    (folder / "zz_empty.txt").write_text("。。。\n123\n", encoding="utf-8")
    stages = ["tokens", "doc_counts"]
    cold = quiet_run(folder, workers=1, cache_dir=tmp_path / "cache", chunk_size=1, stages=stages)
    warm = quiet_run(folder, workers=1, cache_dir=tmp_path / "cache", chunk_size=1, stages=stages)
    fresh = quiet_run(folder, workers=1, cache=False, stages=stages)
    assert_same(tables(cold), tables(fresh))
    assert_same(tables(warm), tables(fresh))
    assert "zz_empty" in set(cold.reports["doc_id"]) and "zz_empty" not in set(cold.tokens["doc_id"])


def test_editing_one_report_reprocesses_that_report_only(tmp_path):
    folder = writable_copy(tmp_path)
    quiet_run(folder, workers=1, cache_dir=tmp_path / "cache")
    edited = folder / f"{IDS['双庙镇']}.txt"
    text = edited.read_text(encoding="utf-8")
    assert "枫桥经验" not in text
    edited.write_text(text.replace("2025年，双庙镇以", "2025年，双庙镇坚持和发展“枫桥经验”，以", 1), encoding="utf-8")

    after = quiet_run(folder, workers=1, cache_dir=tmp_path / "cache")
    assert set(computed(after).values()) == {(1, 4)}
    fresh = quiet_run(folder, workers=1, cache=False)
    assert_same(tables(after), tables(fresh))  # the old rows of 双庙镇 are never used
    tokens = after.tokens
    assert "枫桥经验" in set(tokens.loc[tokens["doc_id"] == IDS["双庙镇"], "token"])


def test_renaming_a_report_gives_its_rows_the_new_doc_id(tmp_path):
    folder = writable_copy(tmp_path)
    quiet_run(folder, workers=1, cache_dir=tmp_path / "cache")
    (folder / f"{IDS['神树镇']}.txt").rename(folder / "神树镇2025.txt")
    after = quiet_run(folder, workers=1, cache_dir=tmp_path / "cache")
    assert computed(after)["load"] == (0, 5)  # the file itself is known by its sha256
    assert computed(after)["tokens"] == (1, 4)
    assert "神树镇2025" in set(after.tokens["doc_id"]) and IDS["神树镇"] not in set(after.tokens["doc_id"])


def test_a_corrupt_cache_file_is_named_and_rebuilt(tmp_path, direct):
    quiet_run(workers=1, cache_dir=tmp_path)
    victim = sorted((tmp_path / "sections").rglob("*.parquet"))[0]
    victim.write_bytes(victim.read_bytes()[:100])
    with pytest.warns(CacheWarning, match=str(victim)):
        again = quiet_run(workers=1, cache_dir=tmp_path)
    assert computed(again)["sections"] == (1, 4)
    pd.testing.assert_frame_equal(again.sections, direct["sections"])


LEXICON_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from analysis import config, pipeline

    def steps(results):
        rows = results.timings.set_index("step")
        return {name: [int(rows.at[name, "computed"]), int(rows.at[name, "cached"])] for name in results.tables}

    def whole(results, term):
        return int((results.tokens["token"] == term).sum())

    def main():
        assert config.ROOT == Path(sys.argv[1]), config.ROOT
        first = pipeline.run(workers=1, progress=False, warn=False)
        with open(config.TERMS_FILE, "a", encoding="utf-8") as stream:
            stream.write("矛盾纠纷化解\\n")
        second = pipeline.run(workers=2, chunk_size=1, progress=False, warn=False)
        fresh = pipeline.run(workers=1, cache=False, progress=False, warn=False)
        same = [name for name in second.tables if second[name].equals(fresh[name])]
        print(json.dumps({"first": steps(first), "second": steps(second), "same": same,
                          "before": whole(first, "矛盾纠纷化解"), "after": whole(second, "矛盾纠纷化解"),
                          "fresh": whole(fresh, "矛盾纠纷化解")}))

    if __name__ == "__main__":
        main()
    """
)


def test_editing_a_lexicon_file_reprocesses_the_stages_that_read_it(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(config.DATA_RAW, root / "data" / "raw")
    shutil.copytree(config.LEXICON_DIR, root / "data" / "lexicon")
    script = tmp_path / "lexicon_edit.py"
    script.write_text(LEXICON_SCRIPT, encoding="utf-8")
    env = {**__import__("os").environ, "ANALYSIS_ROOT": str(root)}
    done = subprocess.run([sys.executable, str(script), str(root)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert set(map(tuple, result["first"].values())) == {(5, 0)}
    # terms.txt is read by the tokeniser and the quantity finder, not by the outline or the themes
    assert result["second"] == {
        "sections": [0, 5],
        "items": [0, 5],
        "tokens": [5, 0],
        "doc_counts": [5, 0],
        "indicators": [5, 0],
        "theme_codes": [0, 5],
    }
    assert result["same"] == list(pipeline.DEFAULT_STAGES)
    # 矛盾纠纷化解 occurs 5 times (000, 001, 002 once, 003 twice): whole only once it is a term
    assert (result["before"], result["after"], result["fresh"]) == (0, 5, 5)
    assert not (config.ROOT / "data" / "lexicon" / "terms.txt").read_text(encoding="utf-8").endswith("矛盾纠纷化解\n")


def test_a_lexicon_that_cannot_be_read_now_leaves_no_cache_trusted(monkeypatch):
    """A worker that cannot hash the lexicon (a file unreadable for a moment: an editor saving it) forgets what the
    package's caches hold and records nothing, instead of failing its start: the loader that reads the file says
    what is wrong, and the next check clears again."""
    themes.load_themes()
    assert themes._load_themes.cache_info().currsize == 1

    def unreadable(*_):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(pipeline.tasks, "files_hash", unreadable)
    pipeline.tasks.fresh_lexicon()
    assert themes._load_themes.cache_info().currsize == 0 and pipeline.tasks._LEXICON_SEEN == []


AUDIT_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from analysis import config, pipeline
    from analysis.corpus import load_corpus, read_report

    opened = set()
    def hook(event, args):
        if event == "open" and isinstance(args[0], str) and args[0].startswith(str(config.LEXICON_DIR)):
            opened.add(args[0][len(str(config.LEXICON_DIR)) + 1:])

    def main():
        reports = load_corpus(config.DATA_RAW, warn=False).reports
        sys.addaudithook(hook)
        found = {}
        for path in sorted(config.DATA_RAW.iterdir()):
            read_report(path)
        found["reports"] = sorted(opened)
        for name, stage in pipeline.STAGES.items():
            if not stage.available:
                continue
            pipeline.tasks._clear_package_caches()
            opened.clear()
            stage.compute(reports, pipeline.Context())
            found[name] = sorted(opened)
        print(json.dumps(found))

    if __name__ == "__main__":
        main()
    """
)


def test_every_stage_declares_the_lexicon_files_it_reads(tmp_path):
    script = tmp_path / "audit.py"
    script.write_text(AUDIT_SCRIPT, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    opened = json.loads(done.stdout.splitlines()[-1])
    assert opened["reports"] == []  # reading a report uses no lexicon: its cache key has none
    assert "terms.txt" in opened["tokens"] and "themes.yml" in opened["theme_codes"]  # the audit sees the files
    for name, files in opened.items():
        declared = pipeline.STAGES[name].lexicon if name in pipeline.STAGES else ()
        if declared is not None:
            assert set(files) <= set(declared), f"stage {name} reads {sorted(set(files) - set(declared))} but does not declare it"


# ------------------------------------------------------------------ options and errors


def test_progress_bars_only_when_asked_or_in_a_terminal(tmp_path, capfd):
    pipeline.run(config.DATA_RAW, workers=1, cache_dir=tmp_path / "a", progress=None, warn=False)
    assert capfd.readouterr().err == ""  # pytest's stderr is not a terminal
    pipeline.run(config.DATA_RAW, workers=1, cache_dir=tmp_path / "b", progress=True, warn=False)
    err = capfd.readouterr().err
    assert "read" in err and "analyse" in err and "report" in err


def test_only_the_stages_asked_for(tmp_path):
    results = quiet_run(stages=["tokens", "sections"], workers=1, cache_dir=tmp_path)
    assert list(results.tables) == ["tokens", "sections"] and results.counts is None
    assert not (tmp_path / "indicators").exists()


def test_an_unknown_stage_is_an_error_listing_the_stages():
    with pytest.raises(AnalysisError, match="no pipeline stage 'token'; the stages are: sections, items, tokens"):
        quiet_run(stages=["token"], cache=False)


def test_a_stage_whose_module_is_absent_is_skipped_by_default(monkeypatch):
    ghost = pipeline.Stage("ghost", lambda reports, ctx: reports, lexicon=(), requires="analysis.not_written_yet")
    monkeypatch.setitem(pipeline.STAGES, "ghost", ghost)
    monkeypatch.setattr(pipeline.stages, "DEFAULT_STAGES", (*pipeline.DEFAULT_STAGES, "ghost"))
    assert "ghost" not in pipeline.available_stages()
    with pytest.raises(AnalysisError, match="needs analysis.not_written_yet"):
        pipeline.available_stages(["ghost"])


def test_a_stage_is_found_available_without_importing_its_module(monkeypatch):
    """The calling process only looks the stages' modules up: it does not pay for the imports only workers need."""
    import subprocess
    import sys

    heavy = ("analysis.tokenize", "analysis.indicators", "analysis.themes")
    script = f"import sys; from analysis.pipeline import available_stages as a; print(a(), [m for m in {heavy} if m in sys.modules])"
    names, imported = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120).stdout.split("] [")
    assert imported.strip() == "]"  # none of them imported
    assert "'tokens'" in names and "'theme_codes'" in names
    ghost = pipeline.Stage("ghost", lambda reports, ctx: reports, lexicon=(), requires="no_such_package_here.stage")
    monkeypatch.setitem(pipeline.STAGES, "ghost", ghost)
    with pytest.raises(AnalysisError, match="needs no_such_package_here.stage"):  # a missing package above it
        pipeline.available_stages(["ghost"])


def test_a_failing_stage_names_itself_and_the_reports(monkeypatch):
    def boom(reports, ctx):
        raise ValueError("no outline")

    monkeypatch.setitem(pipeline.STAGES, "boom", pipeline.Stage("boom", boom, lexicon=()))
    with pytest.raises(PipelineError, match=f"stage 'boom' failed on reports {IDS['神树镇']}.*ValueError: no outline"):
        quiet_run(stages=["boom"], workers=1, cache=False)


def test_no_cache_leaves_nothing_on_disk(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "CACHE_DIR", tmp_path / "default-cache")
    results = quiet_run(stages=["sections"], workers=1, cache=False)
    assert results.cache_dir is None and not (tmp_path / "default-cache").exists()


def test_cli_pipeline_writes_tables_and_prints_timings(tmp_path, capsys, direct):
    from analysis.cli import main

    out = tmp_path / "tables"
    code = main(["pipeline", str(config.DATA_RAW), "--workers", "1", "--cache-dir", str(tmp_path / "cache"), "--quiet", "--out", str(out)])
    assert code == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == ",".join(pipeline.TIMING_COLUMNS)
    assert captured.err == ""
    assert sorted(p.stem for p in out.iterdir()) == sorted([*pipeline.DEFAULT_STAGES, "counts", "reports"])
    pd.testing.assert_frame_equal(pd.read_parquet(out / "indicators.parquet"), direct["indicators"])
    assert len(load_corpus(config.DATA_RAW, warn=False).reports) == len(pd.read_parquet(out / "reports.parquet"))


def test_every_stage_reads_the_lexicon_files_config_lists_for_it():
    assert set(config.STAGE_LEXICON) == {*pipeline.STAGES, pipeline.READ_STAGE}
    for name, stage in pipeline.STAGES.items():
        paths = config.STAGE_LEXICON[name]
        assert all(path.is_file() for path in paths), name
        assert sorted(stage.lexicon) == sorted(path.name for path in paths)
    # the indicators are recomputed when indicators.yml changes, the tokens are not
    assert "indicators.yml" in pipeline.STAGES["indicators"].lexicon
    assert "indicators.yml" not in pipeline.STAGES["tokens"].lexicon
    # the page columns, town and title of a read file come from the page furniture and the place words
    assert [p.name for p in config.STAGE_LEXICON[pipeline.READ_STAGE]] == ["page_furniture.yml", "places.yml"]


def test_each_row_is_filed_under_its_reports_cache_entry():
    from analysis.pipeline.tasks import _row_entries

    entry_of = {"甲镇-2024": "e1", "乙乡-2024": "e2"}
    doc_ids = pd.Series(["乙乡-2024", "甲镇-2024", "乙乡-2024", "乙乡-2024"], dtype="str")
    assert _row_entries(doc_ids, entry_of).to_pylist() == ["e2", "e1", "e2", "e2"]
    assert _row_entries(doc_ids.iloc[:0], entry_of).to_pylist() == []
    assert _row_entries(pd.Series(["甲镇-2024", "丙镇-2024"], dtype="str"), entry_of) is None  # a report the stage was not given
    assert _row_entries(pd.Series(["甲镇-2024", None], dtype="str"), entry_of) is None  # a row without a report


def test_the_paragraphs_and_sentences_a_run_cached_are_what_every_later_caller_reads(tmp_path, monkeypatch):
    from analysis import panel

    stages = ["sections", "items", "paragraphs", "sentences"]
    quiet_run(stages=stages, workers=1, cache_dir=tmp_path)  # fills the cache
    structure._last_tables.cache_clear()  # what the first run parsed in this process is forgotten
    structure._offered_tables.cache_clear()
    own = {name: getattr(structure, f"_{name}") for name in stages}
    made = []
    for name in stages:
        monkeypatch.setattr(structure, f"_{name}", lambda t, rules, make=own[name], name=name: made.append(name) or make(t, rules))
    results = quiet_run(stages=stages, workers=1, cache_dir=tmp_path)
    assert set(computed(results).values()) == {(0, 5)} and not results.tables.loaded("sentences")
    offered = structure._offered_tables()
    assert offered["paragraphs"][3] is offered["sentences"][3] is offered["sections"][3] is offered["items"][3]  # texts held once
    reports = results.reports
    for name in stages:
        pd.testing.assert_frame_equal(results[name], own[name](reports, None), obj=name)  # structure's own tables
    assert made == []
    pd.testing.assert_frame_equal(structure.sentences(reports), results["sentences"])
    some = reports.iloc[[1, 3]].reset_index(drop=True)
    pd.testing.assert_frame_equal(structure.paragraphs(some), own["paragraphs"](some, None))
    evidence = panel.evidence_sentences(reports)  # a module that asks structure for them
    pd.testing.assert_frame_equal(
        structure.plan_items(reports), own["items"](reports, None).query("role == 'plans'").reset_index(drop=True)
    )
    assert made == []  # read from the run's cache, not parsed again
    structure._offered_tables.cache_clear()
    pd.testing.assert_frame_equal(panel.evidence_sentences(reports), evidence)
    assert made == ["sentences", "paragraphs", "sections"]
