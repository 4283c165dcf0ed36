"""Bad input and bad luck (issue 17): names that collide, long reports, locks, interrupts, dead parents.

Each test builds its hostile case in tmp_path.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from analysis import briefings
from analysis.briefings.notebooks import Notebook
from analysis.cli import main
from analysis.errors import OutputError
from analysis.indicators.tables import _conflict_in
from analysis.runlock import LOCK_NAME, clear_leftovers, output_folder, run_lock

# ------------------------------------------------------------ indicators: conflicts without comparing every pair


def _pairwise_conflict(mentions, text):
    """The definition of ``_conflict``, one pair at a time (quadratic: the reference)."""
    for i, (b_start, _, b_value, b_unit) in enumerate(mentions):
        for a_start, a_end, a_value, a_unit in mentions[:i]:
            between = text[a_end:b_start]
            same_sentence = not any(c in between for c in "。；;！？!?\n")
            if (
                not same_sentence
                and (a_value, a_unit) == (b_value, b_unit)
                and text[max(0, a_start - 6) : a_start] == text[max(0, b_start - 6) : b_start]
            ):
                return "same figure stated twice (a restatement?)"
            if same_sentence and any(c in between for c in "，,"):
                return "several figures in one sentence (stages of the same cases?)"
    return None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("开展普法活动6次。全年开展普法活动6次。", "same figure stated twice (a restatement?)"),
        ("排查矛盾10件，已化解10件。", "several figures in one sentence (stages of the same cases?)"),
        ("举办讲座3次、培训5次。", None),
        ("举办讲座3次。举办培训3次。", None),
    ],
)
def test_conflicts_are_found_as_the_pairwise_definition_says(text, expected):
    mentions = [(m.start(), m.end(), float(m.group(1)), m.group(2)) for m in re.finditer(r"(\d+)([次件])", text)]
    assert _conflict_in(mentions, text) == _pairwise_conflict(mentions, text) == expected


def test_conflicts_agree_with_the_pairwise_definition_on_random_text():
    rng = random.Random(17)
    for _ in range(3000):
        parts, mentions, pos = [], [], 0
        for _ in range(rng.randint(1, 6)):
            before = rng.choice(["开展活动", "召开会议", "，", "。", "、", "培训", ""]) + rng.choice(["", "，", "。", "开展活动"])
            figure = f"{rng.choice([1, 2, 6])}{rng.choice('次件')}"
            parts += [before, figure]
            pos += len(before)
            mentions.append((pos, pos + len(figure), float(figure[:-1]), figure[-1]))
            pos += len(figure)
        text = "".join(parts)
        assert _conflict_in(mentions, text) == _pairwise_conflict(mentions, text), text


def test_conflicts_of_many_mentions_do_not_compare_every_pair():
    # 200,000 mentions of one key in one sentence-free run: ~2e10 pairs pairwise, one pass here
    text = "开展活动1次" * 200_000
    mentions = [(i * 6 + 4, i * 6 + 6, 1.0, "次") for i in range(200_000)]
    assert _conflict_in(mentions, text) is None


def _pairwise_nested(mentions, text):
    """The definition of ``nested``, one pair at a time (quadratic: the reference)."""
    from analysis.indicators.grammar import NESTED_RE

    parts = []
    for i, (position, b_start, _) in enumerate(mentions):
        for _, _, a_end in mentions[:i]:
            between = text[a_end:b_start]
            if a_end > b_start or any(c in between for c in "。；;！？!?\n"):
                continue
            if NESTED_RE.match(between) and not (("（" in between or "(" in between) and re.search(r"[）)]", between)):
                parts.append(position)
                break
    return parts


def test_parts_are_found_as_the_pairwise_definition_says_on_random_text():
    from analysis.indicators.tables import _nested_in

    rng = random.Random(7)
    for _ in range(3000):
        parts, mentions, pos = [], [], 0
        for k in range(rng.randint(1, 7)):
            before = rng.choice(["开展活动", "（", "，其中", "其中", "）", "。", "、", "(", "", " "]) + rng.choice(
                ["", "，", "。", "（", "）"]
            )
            parts += [before, "6次"]
            pos += len(before)
            mentions.append((k, pos, pos + 2))
            pos += 2
        text = "".join(parts)
        assert _nested_in(mentions, text) == _pairwise_nested(mentions, text), text
    text = "网格员308人（专职291人，兼职17人）。"
    assert _nested_in([(0, 3, 7), (1, 10, 14), (2, 17, 20)], text) == [1, 2]


def test_parts_of_many_mentions_do_not_compare_every_pair():
    from analysis.indicators.tables import _nested_in

    sentence = "网格员308人（专职291人）"  # no sentence end at all: one sentence of 200,000 mentions
    text = sentence * 100_000
    mentions = [
        (2 * i + k, i * len(sentence) + s, i * len(sentence) + e) for i in range(100_000) for k, (s, e) in enumerate([(3, 7), (10, 14)])
    ]
    assert len(_nested_in(mentions, text)) >= 100_000


# ------------------------------------------------------------ briefings: page names


def _town_notebook(tmp_path: Path) -> Notebook:
    return Notebook(path=tmp_path / "04_town.ipynb", heading="乡镇", parameters={"town": "", "data_dir": "data/raw"})


def _reports(*towns: str) -> pd.DataFrame:
    return pd.DataFrame({"town": list(towns)})


def test_towns_whose_names_differ_only_by_unsafe_characters_get_their_own_pages(tmp_path):
    towns = ["x:y镇", "x?y镇", "x_y镇", "a/b镇", "a\\b镇"]
    todo = briefings.plan(_reports(*towns), [_town_notebook(tmp_path)], data_dir=tmp_path, out=tmp_path)
    names = [b.html.name for b in todo]
    assert len(set(names)) == len(towns)
    assert names[2] == "04_town-x_y镇.html"  # a safe name stays as it was
    assert all(not re.search(r'[\\/:*?"<>|]', n) for n in names)


def test_a_very_long_town_name_gives_a_short_safe_page_name(tmp_path):
    long_a, long_b = "长" * 80 + "甲镇", "长" * 80 + "乙镇"  # 246 bytes each, differing only at the end
    todo = briefings.plan(_reports(long_a, long_b), [_town_notebook(tmp_path)], data_dir=tmp_path, out=tmp_path)
    names = [b.html.name for b in todo]
    assert len(set(names)) == 2
    assert all(len(n.encode("utf-8")) <= 200 for n in names)
    for b in todo:  # the file system takes the name
        b.html.write_text("x", encoding="utf-8")
        assert b.html.read_text(encoding="utf-8") == "x"


# ------------------------------------------------------------ output folders: lock, leftovers, a file as --out


def test_a_second_run_into_the_same_folder_stops_with_a_message_naming_the_lock(tmp_path):
    with run_lock(tmp_path) as lock:
        assert lock == tmp_path / LOCK_NAME
        code = "import sys; from analysis.runlock import run_lock\nwith run_lock(sys.argv[1]): pass"
        other = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120)
        assert other.returncode != 0
        assert str(tmp_path / LOCK_NAME) in other.stderr and f"process {os.getpid()}" in other.stderr
    with run_lock(tmp_path):  # released when the block ends
        pass


def test_the_lock_can_be_waited_for(tmp_path):
    code = "import sys, time; from analysis.runlock import run_lock\nwith run_lock(sys.argv[1]):\n    print('held', flush=True); time.sleep(2)\nprint('released', flush=True)"
    holder = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(OutputError, match="--wait"):
            with run_lock(tmp_path):
                pass
        with run_lock(tmp_path, wait=True):
            assert holder.stdout.readline().strip() == "released"  # it got the lock only once the holder let it go
    finally:
        holder.wait(timeout=60)


def test_the_leftovers_of_an_interrupted_run_are_removed_at_the_next(tmp_path):
    (tmp_path / ".work-abc").mkdir()
    (tmp_path / ".work-abc" / "x.parquet").write_text("x")
    (tmp_path / ".building-1").mkdir()
    (tmp_path / ".index.html.k2j3.tmp").write_text("half")
    (tmp_path / "index.html").write_text("kept")
    (tmp_path / "notes.tmp").write_text("kept: not hidden, not ours")
    with run_lock(tmp_path):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == [LOCK_NAME, "index.html", "notes.tmp"]
    assert clear_leftovers(tmp_path) == []


def test_an_output_folder_that_is_a_file_is_refused_by_name(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("previous")
    with pytest.raises(OutputError, match=re.escape(f"{target}: is a file, not a folder")):
        output_folder(target)
    assert target.read_text() == "previous"


# ------------------------------------------------------------ the command line: one line, no traceback


def test_ctrl_c_is_one_line_and_exit_130(monkeypatch, capsys):
    from analysis.cli import runs

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr("analysis.cli.commands", lambda: [runs.Command("pipeline", interrupted, "h", "e", reads=True)])
    assert main(["pipeline", "x"]) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "interrupted" in err and "Traceback" not in err


def test_an_os_error_is_one_line_naming_the_path(monkeypatch, capsys, tmp_path):
    from analysis.cli import runs

    def full(args):
        raise OSError(28, "No space left on device", str(tmp_path / "out" / "index.html"))

    monkeypatch.setattr("analysis.cli.commands", lambda: [runs.Command("pipeline", full, "h", "e", reads=True)])
    assert main(["pipeline", "x"]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {tmp_path / 'out' / 'index.html'}: No space left on device\n"


# ------------------------------------------------------------ workers die with their parent

_ORPHAN = """
import os, sys, time
from analysis.workers import process_pool

def pid():
    return os.getpid()

if __name__ == "__main__":
    pool = process_pool(1)
    print(pool.submit(pid).result(), flush=True)
    time.sleep(600)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_pool_workers_die_when_their_parent_is_killed(tmp_path):
    script = tmp_path / "orphan.py"
    script.write_text(_ORPHAN)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    worker = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=30)
    for _ in range(100):
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            break
        with open(f"/proc/{worker}/stat") as stat:
            if stat.read().split(")")[-1].split()[0] == "Z":  # a zombie waiting to be reaped is dead
                break
        time.sleep(0.1)
    else:
        os.kill(worker, signal.SIGKILL)
        pytest.fail("the worker outlived its parent")


# ------------------------------------------------------------ briefings never replace good output with output of nothing


@pytest.fixture
def previous(tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "index.html").write_text("good index", encoding="utf-8")
    (out / "00_corpus_overview.html").write_text("good page", encoding="utf-8")
    return out


def _unchanged(out: Path) -> bool:
    return (out / "index.html").read_text(encoding="utf-8") == "good index" and (out / "00_corpus_overview.html").read_text(
        encoding="utf-8"
    ) == "good page"


def test_briefings_of_a_missing_data_folder_is_an_error_naming_it(previous, tmp_path, capsys):
    missing = tmp_path / "no-such-folder"
    assert main(["briefings", "--data", str(missing), "--out", str(previous), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {missing}: does not exist") and err.count("\n") == 1
    assert _unchanged(previous)


def test_briefings_of_an_empty_data_folder_is_an_error_naming_it(previous, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.xyz").write_text("not a report", encoding="utf-8")
    assert main(["briefings", "--data", str(empty), "--out", str(previous), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"error: {empty}: holds no report that could be read" in err and "Traceback" not in err
    assert _unchanged(previous)


def test_briefings_into_a_file_is_one_line_naming_it(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    target = tmp_path / "out.html"
    target.write_text("previous", encoding="utf-8")
    assert main(["briefings", "--data", str(data), "--out", str(target), "--quiet"]) == 2
    assert capsys.readouterr().err == f"error: {target}: is a file, not a folder: give --out a folder\n"
    assert target.read_text(encoding="utf-8") == "previous"


def test_briefings_into_a_folder_another_run_holds_stops_naming_the_lock(previous, tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.txt").write_text("神树镇2025年法治政府建设工作报告\n今年开展普法活动6次。\n", encoding="utf-8")
    with run_lock(previous):
        assert main(["briefings", "--data", str(data), "--out", str(previous), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert str(previous / LOCK_NAME) in err and "--wait" in err
    assert _unchanged(previous)


def test_pipeline_of_nothing_does_not_replace_the_tables(tmp_path, capsys):
    out = tmp_path / "tables"
    out.mkdir()
    (out / "reports.parquet").write_bytes(b"good")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["pipeline", str(empty), "--out", str(out), "--quiet", "--no-cache"]) == 2
    assert "no report could be read" in capsys.readouterr().err
    assert (out / "reports.parquet").read_bytes() == b"good"


# ------------------------------------------------------------ reading: damaged, huge, odd files are problem rows, never a stop

REPORT = "神树镇2025年法治政府建设工作情况报告\n一、主要工作\n今年我镇开展普法活动6次，化解矛盾纠纷12件。\n"


def _docx(path: Path, text: str = REPORT, *, xml: bytes | None = None) -> Path:
    import zipfile

    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    document.save(str(path))
    if xml is not None:
        with zipfile.ZipFile(path) as source:
            parts = {info.filename: source.read(info) for info in source.infolist()}
        parts["word/document.xml"] = xml
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
            for name, data in parts.items():
                target.writestr(name, data)
    return path


def _problems(folder: Path) -> dict[str, tuple[str, str]]:
    from analysis.corpus import load_corpus

    corpus = load_corpus(folder, warn=False)
    return {Path(r.file).name: (r.problem, r.action) for r in corpus.problems.itertuples(index=False)}, corpus.reports


def test_a_docx_with_damaged_xml_is_a_problem_row_and_the_batch_goes_on(tmp_path):
    import copyreg
    import io
    import pickle
    import types

    from analysis import loaders
    from analysis.errors import InputError

    bad = _docx(tmp_path / "bad.docx", xml=b"<w:document><w:body><w:p>unclosed")
    (tmp_path / "good.txt").write_text(REPORT, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        loaders.read(bad)
    assert "damaged" in str(caught.value)
    assert pickle.loads(pickle.dumps(caught.value)).problem == caught.value.problem  # may cross a process pool
    # …and a Dask cluster, whose tblib pickles an exception with its context and traceback: no lxml object rides along
    assert caught.value.__context__ is None and caught.value.__cause__ is None
    tblib = pytest.importorskip("tblib.pickling_support")
    table = {**copyreg.dispatch_table, InputError: tblib.pickle_exception, types.TracebackType: tblib.pickle_traceback}
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer)
    pickler.dispatch_table = table
    pickler.dump(caught.value)
    assert pickle.loads(buffer.getvalue()).problem == caught.value.problem
    problems, reports = _problems(tmp_path)
    assert problems["bad.docx"][1] == "skipped" and "XML" in problems["bad.docx"][0]
    assert list(reports["doc_id"]) == ["good"]


def test_a_docx_that_expands_past_the_limit_is_skipped_and_the_limit_can_be_raised(tmp_path, monkeypatch):
    from analysis.loaders import MAX_DOCX_ENV

    _docx(tmp_path / "big.docx", REPORT * 200)
    monkeypatch.setenv(MAX_DOCX_ENV, "20000")
    problems, reports = _problems(tmp_path)
    assert "more than the limit of 20,000" in problems["big.docx"][0] and "--max-docx-bytes" in problems["big.docx"][0]
    assert reports.empty
    monkeypatch.setenv(MAX_DOCX_ENV, "100000000")
    problems, reports = _problems(tmp_path)
    assert list(reports["doc_id"]) == ["big"]


def test_a_report_past_the_character_limit_is_skipped_and_the_option_raises_it(tmp_path, monkeypatch, capsys):
    from analysis.loaders import MAX_CHARS_ENV

    (tmp_path / "long.txt").write_text(REPORT * 100, encoding="utf-8")
    monkeypatch.setenv(MAX_CHARS_ENV, "1000")
    problems, reports = _problems(tmp_path)
    assert "more than the limit of 1,000" in problems["long.txt"][0] and reports.empty
    monkeypatch.delenv(MAX_CHARS_ENV)
    assert main(["--max-report-chars", "100000", "corpus", str(tmp_path)]) == 0
    assert "long" in capsys.readouterr().out


def test_utf16_without_a_byte_order_mark_is_read(tmp_path):
    (tmp_path / "le.txt").write_bytes(REPORT.encode("utf-16-le"))
    other = "都督乡2024年法治政府建设工作报告\n全年举办法治讲座3场，参加人数200人。\n"
    (tmp_path / "be.txt").write_bytes(other.encode("utf-16-be"))
    problems, reports = _problems(tmp_path)
    assert sorted(reports["doc_id"]) == ["be", "le"] and not any(a == "skipped" for _, a in problems.values())
    assert reports.set_index("doc_id").loc["le", "text"].startswith("神树镇2025年")


def test_utf8_with_a_few_bad_bytes_is_loaded_with_a_row_saying_how_many_and_where(tmp_path):
    lines = (REPORT * 20).splitlines(keepends=True)
    damaged = b"".join(line.encode("utf-8") + (b"\xff" if i in {3, 9, 15, 21, 33, 45} else b"") for i, line in enumerate(lines))
    first = len("".join(lines[:4]).encode("utf-8"))  # the stray byte after the fourth line
    (tmp_path / "damaged.txt").write_bytes(damaged)
    problems, reports = _problems(tmp_path)
    assert list(reports["doc_id"]) == ["damaged"]
    problem, action = problems["damaged.txt"]
    assert "6 bad bytes replaced" in problem and f"the first at byte {first}" in problem and action.startswith("loaded")


def test_hidden_files_folders_and_links_out_of_the_folder_are_named(tmp_path):
    (tmp_path / "good.txt").write_text(REPORT, encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text(REPORT, encoding="utf-8")
    (tmp_path / "2023").mkdir()
    (tmp_path / "x.txt").mkdir()
    (tmp_path / "passwd.txt").symlink_to("/etc/passwd")
    problems, reports = _problems(tmp_path)
    assert list(reports["doc_id"]) == ["good"]
    assert problems[".hidden.txt"][1] == "ignored"
    assert "is a folder" in problems["2023"][0] and "is a folder" in problems["x.txt"][0]
    assert "outside the folder: not followed" in problems["passwd.txt"][0] and problems["passwd.txt"][1] == "skipped"


# ------------------------------------------------------------ report text reaches the reader as text


def test_markdown_in_a_title_is_shown_as_written_not_as_a_link_or_image():
    import mistune  # the Markdown renderer of nbconvert, which builds the briefings

    from analysis.display import markdown_text

    title = "[点我](javascript:alert(1)) ![t](http://example.invalid/x.png) <img src=x onerror=alert(1)> $x^2$ {{ 7*7 }} **粗**"
    rendered = mistune.html(markdown_text(title))
    assert "<a " not in rendered and "<img" not in rendered and "<strong>" not in rendered
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered
    assert "[点我](javascript:alert(1))" in rendered and "$x^2$" in rendered


def test_a_dollar_in_a_figure_label_is_not_a_formula(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.fonts import use_cjk_font
    from analysis.plots.style import plain

    use_cjk_font()
    fig, ax = plt.subplots()
    ax.set_title("报告$\\frac{1}{0$x_{")  # unbalanced mathtext: an error when parsed as a formula
    fig.savefig(tmp_path / "a.png")
    plt.close(fig)
    assert plain("a$b$") == "a\\$b\\$"


# ------------------------------------------------------------ the cache: a shard replaced by a folder


def test_a_cache_shard_replaced_by_a_folder_is_rebuilt_with_a_warning(tmp_path):
    import warnings

    from analysis import pipeline
    from analysis.errors import CacheWarning

    data, cache = tmp_path / "data", tmp_path / "cache"
    data.mkdir()
    (data / "a.txt").write_text(REPORT, encoding="utf-8")
    first = pipeline.run(data, stages=[], cache_dir=cache, progress=False, warn=False, workers=1)
    shards = sorted(cache.rglob("*.parquet"))
    assert shards
    for shard in shards:
        shard.unlink()
        shard.mkdir()
        (shard / "junk").write_text("x")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = pipeline.run(data, stages=[], cache_dir=cache, progress=False, warn=False, workers=1)
    assert any(issubclass(w.category, CacheWarning) and "deleted" in str(w.message) for w in caught)
    assert again.reports["text"].tolist() == first.reports["text"].tolist()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pipeline.run(data, stages=[], cache_dir=cache, progress=False, warn=False, workers=1)
    assert not [w for w in caught if issubclass(w.category, CacheWarning)]  # recovered
    assert all(s.is_file() for s in cache.rglob("*.parquet"))


# ------------------------------------------------------------ Ctrl-C: the pool stops at once, no worker prints a traceback

_CTRL_C = """
import faulthandler, os, signal, sys, time
from analysis.workers import Pool

def slow(x):
    print(os.getpid(), flush=True)
    time.sleep(300)

if __name__ == "__main__":
    # Python started from a terminal turns Ctrl-C into KeyboardInterrupt; a test run started in the
    # background (`make test &`) passes SIGINT down ignored, and this script would then never see it
    signal.signal(signal.SIGINT, signal.default_int_handler)
    faulthandler.dump_traceback_later(45, exit=True)  # a hang shows where it is, in the test's failure
    pool = Pool(2)
    try:
        pool.map(slow, [(1,), (2,)])
    except KeyboardInterrupt:
        print("stopped", flush=True)
        sys.exit(130)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups and prctl are Linux's here")
def test_ctrl_c_stops_the_pool_at_once_without_tracebacks(tmp_path):
    script = tmp_path / "ctrl_c.py"
    script.write_text(_CTRL_C)
    run = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    workers = [int(run.stdout.readline()), int(run.stdout.readline())]
    time.sleep(0.5)  # the pool is working: both tasks started
    os.killpg(run.pid, signal.SIGINT)  # what a terminal does: the whole foreground group
    out, err = run.communicate(timeout=60)
    assert run.returncode == 130 and "stopped" in out
    assert "Traceback" not in err, err
    time.sleep(1)
    for pid in workers:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                assert stat.read().rsplit(")", 1)[-1].split()[0] == "Z", f"worker {pid} still runs"
        except FileNotFoundError:
            pass


# ------------------------------------------------------------ hostile report text in briefings, opened in Chromium without the CSP

HOSTILE = (
    "[点我](javascript:alert(1)) ![t](http://fuzz.invalid/x.png) <script>alert(2)</script>"
    "<img src=http://fuzz.invalid/y.png onerror=alert(3)> $\\frac{1}{2}$ {{ 7*7 }} {% raw %}"
)


@pytest.mark.slow
def test_hostile_report_text_neither_runs_nor_loads_anything_in_the_briefings(tmp_path):
    from tests.test_browser import CHROMIUM, Browser

    if CHROMIUM is None:
        pytest.skip("Chromium is not installed")
    from analysis import config

    data, out = tmp_path / "data", tmp_path / "out"
    data.mkdir()
    for path in sorted(config.DATA_RAW.glob("*.txt"))[:2]:
        (data / path.name).write_bytes(path.read_bytes())
    town = "<b>辛</b>[镇](javascript:alert(4))镇"
    text = (
        f"{HOSTILE}\n{town}2025年法治政府建设工作情况报告\n一、主要工作\n今年{town}开展普法活动6次，化解矛盾纠纷12件。\n"
        f"二、存在问题\n一是{HOSTILE}的问题仍然存在。\n三、下一步计划\n加强法治宣传。\n"
    )
    (data / "$x$_[a](javascript:alert(5))_{{ 1 }}.txt").write_text(text, encoding="utf-8")
    summary = briefings.build(data, out=out, notebooks=["00", "04"], progress=False, jobs=1)
    assert (summary["status"] == "written").all(), summary["message"].tolist()
    browser = Browser()
    try:
        for page in sorted(out.glob("*.html")):
            html = re.sub(r"<meta[^>]*Content-Security-Policy[^>]*>", "", page.read_text(encoding="utf-8"), flags=re.I)
            bare = page.with_name(f"nocsp-{page.name}")
            bare.write_text(html, encoding="utf-8")
            seen = browser.visit(bare)
            assert seen["blocked"] == [], f"{page.name}: tried to fetch {seen['blocked']}"
            assert seen["dialogs"] == [], f"{page.name}: a script ran {seen['dialogs']}"
            assert "javascript:" not in " ".join(re.findall(r'href="([^"]*)"', html)), page.name
    finally:
        browser.close()


def test_the_length_figure_takes_a_report_whose_year_is_not_found():
    from analysis.plots import report_lengths

    reports = pd.DataFrame(
        {"town": ["甲镇", "乙镇"], "year": pd.array([2025, pd.NA], dtype="Int64"), "n_chars": [1000, 2000], "doc_id": ["a", "b"]}
    )
    fig = report_lengths(reports)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "甲镇（2025）" in labels and "乙镇" in labels


# ------------------------------------------------------------ a report that names no town and no year


UNNAMED_REPORT = "法治政府建设工作情况报告\n一、主要工作\n今年开展普法活动3次，化解矛盾纠纷4件。\n"  # no town, no year, no problems


def test_reports_without_problems_are_named_even_when_they_name_no_town(tmp_path):
    from analysis import config, themes
    from analysis.corpus import UNNAMED, load_corpus

    (tmp_path / "anon.txt").write_text(UNNAMED_REPORT, encoding="utf-8")
    (tmp_path / "good.txt").write_bytes(sorted(config.DATA_RAW.glob("*.txt"))[0].read_bytes())
    reports = load_corpus(tmp_path, warn=False).reports
    assert reports.set_index("doc_id").loc["anon", "town"] is None and pd.isna(reports.set_index("doc_id").loc["anon", "year"])
    missing = themes.missing_problems(reports, pd.DataFrame({"doc_id": []}))  # no problem item anywhere
    assert missing["town"].notna().all()
    # what the 03 briefing writes (pandas 3: astype(str) keeps a missing value missing)
    assert "、".join(missing["town"].astype(str)) == f"anon{UNNAMED}、神树镇"


@pytest.mark.slow
def test_the_problem_briefing_takes_a_report_without_town_or_year(tmp_path):
    from analysis import config
    from analysis.corpus import UNNAMED

    data = tmp_path / "data"
    data.mkdir()
    (data / "anon.txt").write_text(UNNAMED_REPORT, encoding="utf-8")
    (data / "good.txt").write_bytes(sorted(config.DATA_RAW.glob("*.txt"))[0].read_bytes())
    summary = briefings.build(data, out=tmp_path / "out", notebooks=["03"], progress=False, jobs=1)
    assert (summary["status"] == "written").all(), summary["message"].tolist()
    assert f"anon{UNNAMED}" in (tmp_path / "out" / "03_problem_themes.html").read_text(encoding="utf-8")


# ------------------------------------------------------------ one long report: no stage compares every pair


def test_the_shared_share_of_many_spans_does_not_scan_the_report_for_each():
    import numpy as np

    from analysis.boilerplate import SharedIndex, _span_share, _Spans

    rng = np.random.default_rng(17)
    n = 2_000_000  # 200,000 spans × 2,000,000 positions: 4e11 steps when each span scans the report
    offsets = np.arange(n, dtype=np.int64) * 2  # every other character kept
    offsets[::50] = -1  # line ends
    mask = rng.random(n) < 0.3
    idx = SharedIndex(
        ("a",), ("甲镇",), ("",), ("",), (offsets,), (mask,), (np.zeros(0, dtype=np.int64),), (np.zeros(0, dtype=np.int64),), (), 8, 2
    )
    spans = _Spans(idx)
    starts = rng.integers(0, 2 * n, 200_000)
    ends = starts + rng.integers(0, 400, 200_000)
    shares = [_span_share(idx, 0, int(a), int(b), spans) for a, b in zip(starts, ends)]
    for k in rng.integers(0, 200_000, 200).tolist():  # the definition, on a sample
        inside = (offsets >= starts[k]) & (offsets < ends[k])
        assert shares[k] == (float((inside & mask).sum() / inside.sum()) if inside.any() else 0.0)


def test_plans_answering_a_problem_are_not_found_by_comparing_every_pair(reports, monkeypatch):
    from analysis import alignment, structure, tfidf, themes

    one = reports.iloc[[0]]
    problems, plans = structure.problem_items(one), structure.plan_items(one)
    copies = 40  # a report repeating its outline 40 times: item numbers repeat too
    many_problems = pd.concat([problems] * copies, ignore_index=True)
    many_plans = pd.concat([plans] * copies, ignore_index=True)
    calls = []
    cosine = tfidf.cosine
    monkeypatch.setattr(themes.tfidf, "cosine", lambda a, b: calls.append(1) or cosine(a, b))
    links = alignment.align(many_problems, many_plans)
    pairs = len(many_problems) * len(many_plans)
    coding = (len(many_problems) + len(many_plans)) * len(themes.load_themes())  # each item against each theme, once
    assert len(calls) <= coding + len(many_problems) * alignment.MAX_ANSWERS < coding + pairs / 10
    assert links.groupby("problem_no").size().max() <= alignment.MAX_ANSWERS * copies  # item numbers repeat: per number
    once = alignment.align(problems, plans)
    key = ["problem_no", "plan_no", "problem", "plan"]
    assert links[key].equals(once[key])  # copies of a link are kept once: the links of one copy


def test_the_same_file_name_in_three_folders_gives_three_reports(tmp_path):
    """Folders given side by side (one a year) may hold files of the same name: each is a report of its own."""
    from analysis.corpus import load_corpus

    folders = []
    for year in (2023, 2024, 2025):
        folder = tmp_path / str(year)
        folder.mkdir()
        (folder / "神树镇.txt").write_text(REPORT.replace("2025", str(year)), encoding="utf-8")
        folders.append(folder)
    corpus = load_corpus(folders, warn=False)
    assert sorted(corpus.reports["year"]) == [2023, 2024, 2025]
    assert corpus.reports["doc_id"].is_unique
    assert sorted(corpus.problems["action"]) == ["loaded as 神树镇_txt", "loaded as 神树镇_txt_2"]
