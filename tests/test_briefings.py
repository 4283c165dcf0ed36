"""Briefings: the runner, failure without loss, self-contained and safe HTML, reproducibility."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pandas as pd
import pytest

from analysis import __version__, briefings, config, runlock, workers
from analysis.errors import AnalysisError
from analysis.lexicon import files_hash
from tests.conftest import IDS, RAW_FILES

FIXTURES = Path(__file__).parent / "notebooks"
DOCS = config.ROOT / "docs" / "readme"
TOWN_HEADING = "法治政府建设年度报告简报"


def work_files() -> list[str]:
    """The files ``workfolder.prepare`` writes into a build's work folder, sorted (as the fixture notebooks list them)."""
    from analysis import workfolder

    return sorted([workfolder.SUMMARY_FILE, workfolder.LINKS_FILE, *workfolder.WORDING_FILES.values(), *workfolder.CARD_FILES.values()])


# ------------------------------------------------------------ HTML, read as a browser would


class Page(HTMLParser):
    """Every tag with its attributes, the text shown, and the CSS of style elements and attributes."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.css: list[str] = []
        self.title = ""
        self._in: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = {name.lower(): value or "" for name, value in attrs}
        self.tags.append((tag, attributes))
        if "style" in attributes:
            self.css.append(attributes["style"])
        self._in.append(tag)

    def handle_endtag(self, tag):
        if tag in self._in:
            while self._in and self._in.pop() != tag:
                pass

    def handle_data(self, data):
        current = self._in[-1] if self._in else ""
        if current == "style":
            self.css.append(data)
        elif current == "title":
            self.title += data
        elif current != "script":
            self.text.append(data)

    @property
    def shown(self) -> str:
        return "".join(self.text)


URL_ATTRIBUTES = {
    "src",
    "href",
    "srcset",
    "poster",
    "data",
    "action",
    "formaction",
    "xlink:href",
    "background",
    "manifest",
    "cite",
    "longdesc",
    "ping",
}
CSS_URL_RE = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)


def external_references(path: Path) -> list[str]:
    """Everything in the page at *path* that a browser would fetch or follow outside its folder."""
    page = Page(path.read_text(encoding="utf-8"))
    found = []
    for tag, attributes in page.tags:
        if tag == "meta" and attributes.get("http-equiv", "").lower() == "refresh":
            found.append("<meta http-equiv=refresh>")
        for name, value in attributes.items():
            if name not in URL_ATTRIBUTES:
                continue
            for url in [u.strip().split(" ")[0] for u in value.split(",")] if name == "srcset" else [value.strip()]:
                if url.startswith("data:") and name != "href":
                    continue
                if url.startswith("#"):
                    continue
                parts = urlsplit(url)
                local = (path.parent / unquote(parts.path)).resolve()
                if (
                    name == "href"
                    and tag == "a"
                    and not parts.scheme
                    and not parts.netloc
                    and local.parent == path.parent.resolve()
                    and local.is_file()
                ):
                    continue  # a link to another briefing of the folder
                found.append(f"<{tag} {name}={url[:80]}>")
    for css in page.css:
        if "@import" in css:
            found.append("@import in CSS")
        for url in CSS_URL_RE.findall(css):
            if not url.strip().startswith("data:"):
                found.append(f"url({url[:80]}) in CSS")
    return found


def html_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.html"))


# ------------------------------------------------------------ notebooks and the plan


def test_finds_the_numbered_notebooks_and_their_parameters():
    found = briefings.find_notebooks(FIXTURES)
    assert [nb.name for nb in found] == ["00_tables.ipynb", "01_broken.ipynb", "02_town.ipynb"]
    assert [nb.per_town for nb in found] == [False, False, True]
    assert [nb.heading for nb in found] == ["测试简报", "会出错的简报", "乡镇测试简报"]
    assert found[0].parameters == {"data_dir": "data/raw", "rows": 3}
    assert found[1].parameters == {"data_dir": "data/raw", "fail": True}


def test_project_notebooks_are_all_picked_up():
    names = [nb.name for nb in briefings.find_notebooks()]
    on_disk = sorted(p.name for p in config.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    assert names == on_disk and "00_corpus_overview.ipynb" in names and "04_town_profile.ipynb" in names
    town = [nb for nb in briefings.find_notebooks() if nb.name == "04_town_profile.ipynb"][0]
    assert town.per_town and town.heading == TOWN_HEADING
    assert all(not nb.per_town for nb in briefings.find_notebooks() if nb.name != "04_town_profile.ipynb")


def test_plan_runs_town_notebooks_once_per_town(reports, tmp_path):
    found = briefings.find_notebooks(FIXTURES)
    todo = briefings.plan(reports, found, data_dir="data/raw", out=tmp_path, parameters={"rows": "5"})
    assert [b.name for b in todo] == ["00_tables", "01_broken"] + [f"02_town-{town}" for town in IDS]
    by_name = {b.name: b for b in todo}
    assert by_name["02_town-神树镇"].title == "神树镇 · 乡镇测试简报"
    assert by_name["02_town-神树镇"].parameters == {"data_dir": str(config.DATA_RAW.resolve()), "town": "神树镇"}
    assert by_name["00_tables"].parameters["rows"] == 5  # typed like the default
    assert "rows" not in by_name["01_broken"].parameters  # only where the notebook has it
    assert by_name["02_town-乌马河镇"].html == tmp_path / "02_town-乌马河镇.html"
    only = briefings.plan(reports, found, data_dir="data/raw", out=tmp_path, towns=["都督乡"])
    assert [b.name for b in only if b.town] == ["02_town-都督乡"]


def test_town_notebooks_get_the_work_folder_when_there_is_one(reports, tmp_path):
    work = tmp_path / ".work-x"
    with_work = briefings.plan(reports, briefings.find_notebooks(), data_dir="data/raw", out=tmp_path, work=work)
    shared = [b for b in with_work if "work_dir" in b.notebook.parameters]
    # the overview (flags), each town's page, the scorecard and the county page read the build's scorecard and flags;
    # the problem themes its problem → plan links and shared wording
    assert [b.name for b in shared] == [
        "00_corpus_overview",
        "03_problem_themes",
        *(f"04_town_profile-{t}" for t in IDS),
        "05_scorecard",
        "08_county",
    ]
    assert all(b.parameters["work_dir"] == str(work.resolve()) for b in shared)
    assert all("work_dir" not in b.parameters for b in with_work if "work_dir" not in b.notebook.parameters)
    alone = briefings.plan(reports, briefings.find_notebooks(), data_dir="data/raw", out=tmp_path)
    assert all("work_dir" not in b.parameters for b in alone)  # the notebook's default: compute in the notebook


def test_notebooks_that_write_files_write_them_beside_the_briefings(reports, tmp_path):
    todo = briefings.plan(reports, briefings.find_notebooks(), data_dir="data/raw", out=tmp_path)
    writers = [b for b in todo if "output_dir" in b.notebook.parameters]
    assert writers and all(b.parameters["output_dir"] == str(tmp_path.resolve()) for b in writers)
    assert all("output_dir" not in b.parameters for b in todo if "output_dir" not in b.notebook.parameters)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"towns": ["某某镇"]}, "town 某某镇 is not in the corpus; its towns are: 神树镇, 都督乡"),
        ({"parameters": {"nonsense": 1}}, "no notebook of this run has a parameter 'nonsense'"),
        ({"parameters": {"town": "神树镇"}}, "parameter 'town' is set by the runner"),
        ({"parameters": {"data_dir": "x"}}, "parameter 'data_dir' is set by the runner"),
        ({"parameters": {"work_dir": "x"}}, "parameter 'work_dir' is set by the runner"),
        ({"parameters": {"rows": "many"}}, "'many' is not a int"),
    ],
)
def test_plan_refuses_what_it_cannot_run(reports, tmp_path, kwargs, message):
    with pytest.raises(AnalysisError, match=re.escape(message)):
        briefings.plan(reports, briefings.find_notebooks(FIXTURES), data_dir="data/raw", out=tmp_path, **kwargs)


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        ("5", 3, 5),
        ("0.5", 1.0, 0.5),
        ("false", True, False),
        ("yes", False, True),
        ("神树镇", "", "神树镇"),
        ("12", "", "12"),
        ("[1, 2]", None, [1, 2]),
        ("词云", None, "词云"),
        (7, "", 7),
    ],
)
def test_command_line_values_take_the_type_of_the_default(value, default, expected):
    assert briefings.coerce(value, default) == expected


def test_committed_notebooks_carry_no_outputs():
    paths = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb")) + sorted(FIXTURES.glob("*.ipynb"))
    assert len(paths) >= 5
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        assert nb.metadata["kernelspec"]["name"] == "python3", path.name
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: clear the outputs before committing"
        assert sum("parameters" in c.metadata.get("tags", []) for c in nb.cells) == 1, path.name


# ------------------------------------------------------------ the real build


def test_every_briefing_of_the_corpus_is_written(built_briefings):
    out, summary = built_briefings
    assert list(summary.columns) == briefings.SUMMARY_COLUMNS
    failed = summary[summary["status"] != "written"]
    assert failed.empty, "\n".join(failed["message"])
    notebooks = briefings.find_notebooks()
    expected = [nb.path.stem for nb in notebooks if not nb.per_town] + [
        f"{nb.path.stem}-{town}" for nb in notebooks if nb.per_town for town in IDS
    ]
    assert sorted(summary["briefing"]) == sorted(expected)
    assert not (out / briefings.FAILED_DIR).exists()
    assert sorted(p.name for p in out.glob("*.html")) == sorted([f"{name}.html" for name in expected] + ["index.html"])
    leftovers = [p.name for p in out.iterdir() if (p.name.startswith(".") or p.name.endswith(".tmp")) and p.name != runlock.LOCK_NAME]
    assert not leftovers  # no temporary left (the lock file stays, unlocked, by design)
    for town in IDS:
        path = out / f"04_town_profile-{town}.html"
        page = Page(path.read_text(encoding="utf-8"))
        assert page.title == f"{town} · {TOWN_HEADING}"
        assert town in page.shown
    for row in summary.itertuples():
        page = Page(Path(row.html).read_text(encoding="utf-8"))
        assert page.title == row.title and page.title.strip()


def test_briefings_show_no_code_and_no_prompts(built_briefings):
    out, _ = built_briefings
    for path in html_files(out):
        text = path.read_text(encoding="utf-8")
        page = Page(text)
        assert "import analysis" not in page.shown, path.name
        assert not re.search(r"(In|Out)\s*\[\d*\]:", page.shown), path.name
        classes = [set(a.get("class", "").split()) for _, a in page.tags]
        assert not set().union(*classes) & {"jp-InputPrompt", "jp-OutputPrompt", "jp-CodeMirrorEditor", "highlight"}, path.name
        assert all("jp-mod-noInput" in c for c in classes if "jp-CodeCell" in c), f"{path.name}: a code cell shows its input"
        assert "Traceback" not in page.shown and "Warning:" not in page.shown, path.name


def test_index_links_every_briefing_and_says_how_it_was_made(built_briefings, reports):
    out, summary = built_briefings
    index = out / "index.html"
    page = Page(index.read_text(encoding="utf-8"))
    links = {unquote(a["href"]) for tag, a in page.tags if tag == "a" and not a["href"].startswith("#")}
    assert links == {Path(p).name for p in summary["html"]}
    contents = [unquote(a["href"]) for tag, a in page.tags if tag == "a" and a["href"].startswith("#")]
    assert len(contents) >= 3 and all(f'id="{c[1:]}"' in index.read_text(encoding="utf-8") for c in contents)  # the table of contents
    digest = hashlib.sha256()
    for path in RAW_FILES:
        digest.update(f"{path.name}\0{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    shown = page.shown
    assert digest.hexdigest() in shown
    assert files_hash() in shown
    assert __version__ in shown
    assert re.search(r"生成时间\s*\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", shown)
    assert "5 份报告" in shown and "5 个乡镇" in shown
    for title in reports["title"]:
        assert title in shown
    assert page.title == "法治政府建设年度报告简报 · 目录"


def test_every_html_is_self_contained(built_briefings):
    out, _ = built_briefings
    pages = html_files(out)
    assert len(pages) >= 7
    for path in pages:
        assert external_references(path) == [], path.name
        text = re.sub(
            r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "", path.read_text(encoding="utf-8")
        )  # a picture's bytes can spell anything
        for cdn in ("require.js", "mathjax", "mermaid", "cdnjs", "unpkg", "googleapis"):
            assert cdn not in text.lower(), f"{path.name} names {cdn}"


def test_every_figure_has_a_chinese_alternative_text_and_every_output_can_take_the_focus(built_briefings):
    out, _ = built_briefings
    for path in html_files(out):
        page = Page(path.read_text(encoding="utf-8"))
        alts = {attrs.get("alt") for tag, attrs in page.tags if tag == "img"}
        # nbconvert's English sentence is never left: a figure says 图, a town's cloud 神树镇的词云
        assert all(alt and re.search(r"[\u4e00-\u9fff]", alt) and not re.search(r"[A-Za-z]", alt) for alt in alts), (path.name, alts)
        if path.name == "index.html":  # the run's own page, not a notebook's
            continue
        outputs = [attrs for tag, attrs in page.tags if tag == "div" and "jp-OutputArea-output" in attrs.get("class", "").split()]
        assert outputs and all(attrs.get("tabindex") == "0" for attrs in outputs), path.name


def test_finish_page_marks_only_what_lacks_it():
    from analysis.briefings.pages import finish_page

    page = (
        '<div class="jp-Cell-inputWrapper"><img src="data:image/png;base64,AA"><img alt="词云" src="x"></div>'
        '<div class="jp-RenderedImage jp-OutputArea-output" tabindex="0"></div><div class="jp-OutputArea-output-like"></div>'
        '<div class="jp-RenderedHTMLCommon jp-OutputArea-output jp-OutputArea-executeResult"><p>&lt;img src=x&gt;</p></div>'
    )
    assert finish_page(page) == (
        '<div class="jp-Cell-inputWrapper" tabindex="0"><img alt="图" src="data:image/png;base64,AA"><img alt="词云" src="x"></div>'
        '<div class="jp-RenderedImage jp-OutputArea-output" tabindex="0"></div><div class="jp-OutputArea-output-like"></div>'
        '<div class="jp-RenderedHTMLCommon jp-OutputArea-output jp-OutputArea-executeResult" tabindex="0"><p>&lt;img src=x&gt;</p></div>'
    )
    # an "alt=" inside a picture's data or another attribute's name is not its alternative text
    assert finish_page('<img src="data:image/png;base64,QUJDalt=RA"><img title="salt=1"><img data-alt="x">') == (
        '<img alt="图" src="data:image/png;base64,QUJDalt=RA"><img alt="图" title="salt=1"><img data-alt="x">'
    )


def test_the_text_a_page_shows_leaves_out_its_styles_scripts_and_tags():
    """What the page's own font is cut to: every character shown, none of a style or a script (closed in any case)."""
    from analysis.briefings.pages import page_text

    page = (
        "<html><head><STYLE>body { font: 字体 } a<b</style ><script>if (a < b) { x = '脚本' }</SCRIPT></head>"
        "<body><p>神树镇&amp;都督乡</p><styles>样式</styles><p>1 &lt; 2</p><style>未闭合"
    )
    assert page_text(page).split() == ["神树镇&都督乡", "样式", "1", "<", "2", "未闭合"]


def test_the_checker_catches_external_references(tmp_path):
    """The self-contained check above, shown to fail on what it must catch."""
    (tmp_path / "other.html").write_text("<p>ok</p>", encoding="utf-8")
    page = tmp_path / "page.html"
    page.write_text(
        '<html><head><script src="https://cdn.example/require.js"></script>'
        '<link rel="stylesheet" href="//fonts.example/x.css"><style>@import "x.css"; body { background: url(http://x/y.png) }</style></head>'
        '<body><img src="x"><img src="data:image/png;base64,AAAA"><a href="other.html">ok</a><a href="missing.html">no</a>'
        '<a href="#top">ok</a><a href="https://example.org">no</a><div style="background:url(\'img.png\')"></div></body></html>',
        encoding="utf-8",
    )
    found = external_references(page)
    assert found == [
        "<script src=https://cdn.example/require.js>",
        "<link href=//fonts.example/x.css>",
        "<img src=x>",
        "<a href=missing.html>",
        "<a href=https://example.org>",
        "@import in CSS",
        "url(http://x/y.png) in CSS",
        "url(img.png) in CSS",
    ]


def test_two_runs_give_the_same_tables_and_figures(built_briefings, tmp_path):
    """`make briefings` twice on the same data: the same files (only the index's date and timings change)."""
    out, _ = built_briefings
    first = {path.name: path.read_bytes() for path in html_files(out)}
    summary = briefings.build(config.DATA_RAW, out=out, progress=False)
    assert (summary["status"] == "written").all(), "\n".join(summary["message"])
    assert sorted(first) == sorted(path.name for path in html_files(out))

    def visible(page: bytes) -> str:
        return re.sub(r"\d{4}-\d\d-\d\dT[\d:+\-]+|[\d.]+ 秒", "", Page(page.decode("utf-8")).shown)

    for name, before in first.items():
        again = (out / name).read_bytes()
        if name == "index.html":
            assert visible(before) == visible(again)
        else:
            assert before == again, f"{name} differs between two runs"
    # a town run alone, in a fresh kernel, matches the one run after other towns in a kept kernel
    alone = briefings.build(config.DATA_RAW, out=tmp_path, notebooks=["04"], towns=["乌马河镇"], progress=False)
    assert alone["status"].tolist() == ["written"]
    assert (tmp_path / "04_town_profile-乌马河镇.html").read_bytes() == first["04_town_profile-乌马河镇.html"]


def test_a_town_notebook_run_by_hand_gives_the_same_briefing(built_briefings, reports, run_notebook):
    """Run alone (no work folder: it computes the corpus figures itself), notebook 04 shows what the runner built."""
    out, _ = built_briefings
    executed = run_notebook("04_town_profile.ipynb", town="神树镇")
    footer = f"程序版本 {__version__} · 输入数据校验值 {briefings.input_hash(reports)[:12]}"
    page = briefings.to_html(executed, title=f"神树镇 · {TOWN_HEADING}", footer=footer)

    # the runner cuts the fonts of a page and of its cloud from a font cut once for the whole run, a page built alone
    # cuts them from the whole font (the same glyphs, other bytes): compare all but the fonts
    def no_font(html: str) -> str:
        html = re.sub(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", lambda m: no_font(base64.b64decode(m.group(1)).decode()), html)
        return re.sub(r"data:font/[a-z0-9+.-]+;base64,[A-Za-z0-9+/=]+\) format\(\"[a-z]+\"\)", "font", html)

    assert no_font(page) == no_font((out / "04_town_profile-神树镇.html").read_text(encoding="utf-8"))


def test_the_runner_warms_the_cache_and_shares_a_work_folder(two_reports, tmp_path, monkeypatch):
    """Before any notebook runs: the stages over every report (into the cache), and the corpus-level tables in a work folder."""
    from analysis import pipeline

    (two_reports / "unique.txt").write_bytes(RAW_FILES[2].read_bytes() + f"\n{tmp_path.name}\n".encode())  # in no cache yet
    monkeypatch.setattr(config, "CACHE_DIR", tmp_path / "cache")
    for name in workers.NATIVE_THREAD_VARS:
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "out"
    summary = briefings.build(two_reports, out=out, notebooks_dir=FIXTURES, notebooks=["02"], jobs=1, progress=False)
    assert (summary["status"] == "written").all(), "\n".join(summary["message"])
    again = pipeline.run(two_reports, workers=1, progress=False, warn=False).timings.set_index("step")
    stages = list(pipeline.DEFAULT_STAGES)
    assert again.loc[stages, "computed"].tolist() == [0] * len(stages)  # the fixture notebooks never call the pipeline
    assert again.loc[stages, "cached"].tolist() == [3] * len(stages)
    for town in summary["town"]:
        shown = Page((out / f"02_town-{town}.html").read_text(encoding="utf-8")).shown
        assert f"work: {work_files()}" in shown
        assert f"blas threads: {os.cpu_count()}" in shown  # one process (jobs=1): its kernel's BLAS has every core
    assert not [p.name for p in out.iterdir() if p.name.startswith(".") and p.name != runlock.LOCK_NAME]  # the work folder is gone


def test_on_two_processes_the_shared_tables_are_written_beside_the_other_briefings(two_reports, tmp_path, monkeypatch):
    """This process writes the work folder while the workers build a briefing that does not read it; the town pages start after."""
    monkeypatch.setattr(config, "CACHE_DIR", tmp_path / "cache")
    for name in workers.NATIVE_THREAD_VARS:
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "out"
    summary = briefings.build(two_reports, out=out, notebooks_dir=FIXTURES, notebooks=["00", "02"], jobs=2, progress=False)
    assert (summary["status"] == "written").all(), "\n".join(summary["message"])
    assert summary["notebook"].tolist().count("02_town.ipynb") == len(summary) - 1
    for town in summary["town"][summary["town"] != ""]:
        shown = Page((out / f"02_town-{town}.html").read_text(encoding="utf-8")).shown
        assert f"work: {work_files()}" in shown  # every table was there
        assert f"blas threads: {max(1, os.cpu_count() // 2)}" in shown  # a kernel per process: the cores shared out
    assert (out / "00_tables.html").is_file()
    assert not [p.name for p in out.iterdir() if p.name.startswith(".") and p.name != runlock.LOCK_NAME]


def test_when_the_shared_tables_cannot_be_written_the_run_stops_and_says_why(two_reports, tmp_path, monkeypatch):
    """On two processes the work folder is written here, beside the workers: its failure stops the run, as before any briefing."""

    def broken(results, folder):
        raise AnalysisError("the shared tables: disk full")

    monkeypatch.setattr(config, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(briefings.runner, "prepare", broken)
    out = tmp_path / "out"
    with pytest.raises(AnalysisError, match="the shared tables: disk full"):
        briefings.build(two_reports, out=out, notebooks_dir=FIXTURES, notebooks=["00", "02"], jobs=2, progress=False)
    assert not list(out.glob("02_town-*.html"))  # the town pages read the tables: none was started
    assert not [p.name for p in out.iterdir() if p.name.startswith(".") and p.name != runlock.LOCK_NAME]  # no work folder left


def test_the_costliest_corpus_notebooks_start_first_and_the_towns_are_handed_out_a_few_at_a_time():
    """Each corpus notebook in order of its ``briefing.cost``, then the towns, at most ``TOWNS_PER_RUN`` at a time and
    fewer towards the end: the longest is not left for the end, and the workers take the last towns one by one as
    they become free, so they end within a page of each other."""
    from types import SimpleNamespace

    def briefing(name: str, cost: float, town: str = "") -> SimpleNamespace:
        notebook = SimpleNamespace(path=Path(name), per_town=bool(town), cost=cost)
        return SimpleNamespace(name=f"{name}-{town}" if town else name, notebook=notebook)

    towns = [briefing("04", 0.3, f"{n}镇") for n in "甲乙丙丁戊己庚辛壬"]
    todo = [briefing("00", 0.3), briefing("01", 2.3), towns[0], briefing("06", 0.6), briefing("07", 4.7)]
    todo += [briefing("08", 0.3), *towns[1:]]
    assert briefings.runner.TOWNS_PER_RUN == 4
    names = [[b.name for b in batch] for batch in briefings.batches(todo, 2)]
    assert names == [
        ["07"],
        ["01"],
        ["06"],
        ["00"],
        ["08"],
        ["04-甲镇", "04-乙镇", "04-丙镇"],  # 9 towns left: 3 (half of each process's 4.5, rounded up)
        ["04-丁镇", "04-戊镇"],  # 6 left: 2
        ["04-己镇"],  # 4 left: one page at a time from here
        ["04-庚镇"],
        ["04-辛镇"],
        ["04-壬镇"],
    ]
    alone = [[b.name for b in batch] for batch in briefings.batches(todo, 1)]  # one process: the towns in one run
    assert alone == [*names[:5], [b.name for b in towns]]
    many = [briefing("04", 0.3, f"{n}镇") for n in range(40)]
    sizes = [len(batch) for batch in briefings.batches(many, 2)]
    assert sizes == [4] * 7 + [3, 3, 2, 1, 1, 1, 1] and sum(sizes) == 40  # never more than TOWNS_PER_RUN
    assert [len(batch) for batch in briefings.batches(many[:5], 2)] == [2, 1, 1, 1]  # five towns: not four and one


def test_the_package_notebooks_say_what_they_cost_and_a_wrong_cost_is_named(tmp_path):
    every = briefings.find_notebooks()
    assert all(n.cost > 0 for n in every), [n.name for n in every if not n.cost > 0]
    costs = {n.name: n.cost for n in every}
    # the costliest two: the indicator tables (figures, workbook) and the structure of talk (topics, correspondence analysis)
    assert set(sorted(costs, key=costs.get)[-2:]) == {"02_indicator_tables.ipynb", "07_structure_of_talk.ipynb"}
    nb = nbformat.read(str(every[0].path), as_version=4)
    nb.metadata["briefing"] = {"cost": "slow"}
    bad = tmp_path / "00_bad.ipynb"
    nbformat.write(nb, str(bad))
    with pytest.raises(AnalysisError, match=r"00_bad\.ipynb: the metadata briefing\.cost must be a number of seconds, not 'slow'"):
        briefings.read_notebook(bad)


def _say_twice_and_die() -> None:
    """In a briefings worker: say a briefing is done and the next started, then be killed at once."""
    import signal

    briefings.runner._say(("done", {"briefing": "02_town-都督乡", "status": "written"}))
    briefings.runner._say(("started", "02_town-神树镇"))
    os.kill(os.getpid(), signal.SIGKILL)


def test_what_a_worker_said_reaches_the_caller_though_it_is_killed_right_after():
    """A worker's messages are in the pipe when it goes on: killed right after, it has still said that its last
    briefing was done and which one it started (with multiprocessing's Queue both were lost, every time, and the
    runner took the finished briefing for one never started)."""
    context = workers.mp_context()
    received, sending = context.Pipe(duplex=False)
    with received, sending:
        with workers.process_pool(1, initializer=briefings.runner._worker_init, initargs=((sending, context.Lock()), {})) as pool:
            with pytest.raises(workers.BrokenProcessPool):
                pool.submit(_say_twice_and_die).result()
        said = []
        while received.poll(1):
            said.append(received.recv())
    assert said == [("done", {"briefing": "02_town-都督乡", "status": "written"}), ("started", "02_town-神树镇")]


def _in_a_briefings_worker(fn):
    """*fn*'s result in a new briefings worker (``runner._worker_init``) of this process's fork server."""
    with workers.process_pool(1, initializer=briefings.runner._worker_init, initargs=(None, {})) as pool:
        return pool.submit(fn).result()


def _in_a_project(tmp_path: Path, script: str) -> list[str]:
    """The lines *script* prints, run in a new interpreter on a copy of the lexicon (``ANALYSIS_ROOT``)."""
    root = tmp_path / "project"
    shutil.copytree(config.LEXICON_DIR, root / "data" / "lexicon")
    env = {**os.environ, "ANALYSIS_ROOT": str(root), "ANALYSIS_CACHE_DIR": str(tmp_path / "cache")}
    guard = f"from analysis import config\nassert str(config.ROOT) == {str(root)!r}, config.ROOT  # never the project's own files\n"
    done = subprocess.run([sys.executable, "-c", guard + script], capture_output=True, text=True, env=env, cwd=config.ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def _lexicon_in_hand() -> tuple[int, int, list[str]]:
    """In a briefings worker, before anything else: whether the tokenizer and the indicator rules are loaded (1)
    or not (0), then how the tokenizer cuts 矛盾纠纷化解."""
    from analysis.indicators import load_rules

    tokenizer = sys.modules["analysis.tokenize"].tokenizer
    loaded = tokenizer.cache_info().currsize, load_rules.cache_info().currsize
    return (*loaded, tokenizer().lcut("矛盾纠纷化解"))


WARM_SCRIPT = """
from analysis import config
from analysis.workers import start_server
from tests.test_briefings import _in_a_briefings_worker, _lexicon_in_hand

if __name__ == "__main__":
    start_server(config.BRIEFING_PRELOAD, here={here})
    print(_in_a_briefings_worker(_lexicon_in_hand))
    with open(config.TERMS_FILE, "a", encoding="utf-8") as stream:
        stream.write("矛盾纠纷化解\\n")
    print(_in_a_briefings_worker(_lexicon_in_hand))
"""


@pytest.mark.skipif("forkserver" not in __import__("multiprocessing").get_all_start_methods(), reason="no forkserver here")
@pytest.mark.parametrize("here", [False, True], ids=["new interpreter", "this process forked"])
def test_a_briefings_worker_starts_with_the_servers_lexicon_and_loads_it_again_once_a_file_changed(tmp_path, here):
    """The fork server loads the rules and the tokenizer once for every worker (``briefings.warm``), as a new
    interpreter or forked from the command's process; a server that outlives a lexicon edit (one started in a
    notebook's kernel) must not hand its workers the old terms."""
    first, second = _in_a_project(tmp_path, WARM_SCRIPT.format(here=here))
    assert first.startswith("(1, 1, [") and "'矛盾纠纷化解'" not in first  # loaded by the server; not a term yet
    assert second == "(0, 0, ['矛盾纠纷化解'])"  # forgotten at the worker's start, loaded again with the new term


def _themes_error() -> str:
    """In a briefings worker: whether the section rules (loaded after the themes) are loaded, and what loading the
    problem themes says."""
    from analysis.errors import AnalysisError
    from analysis.structure import load_section_rules
    from analysis.themes import load_themes

    try:
        load_themes()
    except AnalysisError as exc:
        return f"{load_section_rules.cache_info().currsize} {exc}"
    return "loaded"


BROKEN_SCRIPT = """
from analysis import config
from analysis.workers import start_server
from tests.test_briefings import _in_a_briefings_worker, _themes_error

if __name__ == "__main__":
    config.THEMES_FILE.write_text("themes: [unclosed\\n", encoding="utf-8")
    start_server(config.BRIEFING_PRELOAD)
    print(_in_a_briefings_worker(_themes_error))
"""


@pytest.mark.skipif("forkserver" not in __import__("multiprocessing").get_all_start_methods(), reason="no forkserver here")
def test_a_lexicon_file_the_fork_server_cannot_load_is_left_to_the_briefing_that_needs_it(tmp_path):
    """A broken ``themes.yml`` does not stop the fork server (a worker starts, with what comes after it loaded);
    the briefing that reads it names the file."""
    (said,) = _in_a_project(tmp_path, BROKEN_SCRIPT)
    assert said.startswith("1 ") and "themes.yml" in said  # the server went on past it; the worker names the file


def test_a_future_that_ends_wakes_the_round_and_one_that_ends_after_it_writes_nothing(caplog):
    """The round waits on the workers' pipe and on a socket each watched future writes to as it ends.  A future that
    ends while the socket is full, or after the round closed it, writes nothing and raises nothing."""
    from concurrent.futures import Future
    from multiprocessing.connection import wait

    first, second = Future(), Future()
    with briefings.runner._Waker() as waker:
        for future in (first, second):
            assert waker.watch(future) is future
        assert wait([waker], timeout=0) == []  # nothing ended yet
        first.set_result(None)
        assert wait([waker], timeout=5) == [waker]
        waker.clear()
        assert wait([waker], timeout=0) == []  # read
        for future in [waker.watch(Future()) for _ in range(200_000)]:  # far more than the socket holds: none blocks
            future.set_result(None)
        assert wait([waker], timeout=0) == [waker]
    second.set_result(None)  # after the round: nothing is written
    assert second.done() and "exception calling callback" not in caplog.text


def _a_fifth_of_a_second(batch, **kwargs) -> list[dict]:
    time.sleep(0.2)
    return []


def test_a_round_ends_as_soon_as_its_last_batch_and_the_shared_tables_have(monkeypatch):
    """The round hands out the batches that read the shared tables when those are written, and ends when its last
    batch ends, not when it next looks on its own (``WAKE_AT_LEAST``, set here to far longer than the round)."""
    from concurrent.futures import ThreadPoolExecutor
    from types import SimpleNamespace

    monkeypatch.setattr(briefings.runner, "WAKE_AT_LEAST", 30.0)
    monkeypatch.setattr(briefings.runner, "process_pool", lambda n, initializer=None, initargs=(): ThreadPoolExecutor(n))
    monkeypatch.setattr(briefings.runner, "run_batch", _a_fifth_of_a_second)
    preparing = briefings.runner._in_thread(time.sleep, 0.5)
    work = [[SimpleNamespace(parameters={})], [SimpleNamespace(parameters={briefings.runner.WORK_PARAMETER: None})]]
    started = time.monotonic()
    assert briefings.runner._pool_round(work, jobs=2, footer="", timeout=None, done=lambda row: None, preparing=preparing) is None
    assert time.monotonic() - started < 10  # without a wake-up: 30 s at the shared tables, 30 more at the end


@pytest.mark.parametrize(("notebooks", "jobs"), [(["02"], 1), (["00", "02"], 2)], ids=["one-worker", "shared-tables-beside"])
def test_a_notebook_that_kills_its_process_fails_alone_and_never_runs_in_the_callers(two_reports, tmp_path, monkeypatch, notebooks, jobs):
    """A crash ends the worker running the notebook (and its pool): that town fails by name, the others are written."""
    import matplotlib
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.setattr(config, "CACHE_DIR", tmp_path / "cache")
    backend = matplotlib.get_backend()
    out = tmp_path / "out"
    for town in ("都督乡", "神树镇"):  # the dead town first in its batch, then last
        summary = briefings.build(
            two_reports, out=out, notebooks_dir=FIXTURES, notebooks=notebooks, parameters={"crash_town": town}, jobs=jobs, progress=False
        )
        status = summary.set_index("briefing")["status"].to_dict()
        expected = {f"02_town-{t}": "failed" if t == town else "written" for t in ("神树镇", "都督乡")}
        assert status == ({"00_tables": "written"} if "00" in notebooks else {}) | expected
        for t in ("神树镇", "都督乡"):
            if t != town:  # the shared tables were there for the town written
                shown = Page((out / f"02_town-{t}.html").read_text(encoding="utf-8")).shown
                assert f"work: {work_files()}" in shown
        message = summary.set_index("town").loc[town, "message"]
        assert message == f"02_town.ipynb (town={town}): {briefings.runner.CRASHED}"
    assert not InteractiveShell.initialized() and matplotlib.get_backend() == backend  # the notebooks ran in workers only


# ------------------------------------------------------------ safe HTML


PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "<script>alert(4)</script>", "<img src=x onerror=alert(5)>"]
EVIL_FILE = "xss<img src=x onerror=alert(9)>"


def xss_corpus(folder: Path) -> Path:
    """A real report, one whose text carries script and event handlers, and one whose file name does."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RAW_FILES[0].name).write_bytes(RAW_FILES[0].read_bytes())
    body = (
        "2025年，我镇深入学习贯彻习近平法治思想<script>alert(1)</script>，现将有关情况报告如下：\n"
        "一、主要举措和成效\n"
        "（一）坚持学法用法。全年开展学法活动12次<img src=x onerror=alert(2)>，组织法治培训3期，参训干部120人次。\n"
        "（二）化解矛盾纠纷。全年排查调处矛盾纠纷56件，调解成功率达100%。\n"
        "二、存在的问题\n"
        "（一）普法宣传<script>alert(4)</script>形式单一，针对性不强。\n"
        "（二）执法人员<img src=x onerror=alert(5)>力量不足，专业素养有待提高。\n"
        "三、下一步工作计划\n"
        "（一）加强<b onmouseover=alert(6)>普法</b>宣传，创新宣传形式。\n"
        "（二）充实执法力量<script>alert(7)</script>，开展执法培训。\n"
    )
    (folder / "xss_town.txt").write_text("测试镇2025年法治政府建设年度报告\n" + body, encoding="utf-8")
    (folder / f"{EVIL_FILE}.txt").write_text("关于2025年度法治政府建设情况的报告\n" + body, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def xss_build(tmp_path_factory):
    data = xss_corpus(tmp_path_factory.mktemp("xss") / "raw")
    out = tmp_path_factory.mktemp("xss-briefings")
    return out, briefings.build(data, out=out, progress=False)


def test_the_output_cleaner_keeps_embedded_pictures_and_nothing_else_from_data_addresses():
    """A cloud grid's pictures are ``data:image/…`` addresses in HTML output: kept; any other data address, and script, go."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from analysis.briefings.pages import _sanitizer

    markup = (
        '<figure><img src="data:image/png;base64,iVBORw0KGgo=" alt="甲镇的词云"></figure>'
        '<img src="data:text/html;base64,PHNjcmlwdD4=" alt="a"><img src="javascript:alert(1)" alt="b">'
        '<a href="data:text/html,x">c</a><img src="data:image/svg+xml;base64,PHN2Zz4=" onerror="alert(2)" alt="d">'
    )
    nb = new_notebook(cells=[new_code_cell("x", outputs=[new_output("display_data", data={"text/html": markup})])])
    cleaned, _ = _sanitizer().preprocess(nbformat.from_dict(nb), {})
    shown = cleaned.cells[0].outputs[0].data["text/html"]
    assert '<img src="data:image/png;base64,iVBORw0KGgo=" alt="甲镇的词云">' in shown
    assert '<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="d">' in shown and "onerror" not in shown
    assert "data:text/html" not in shown and "javascript:" not in shown and '<img alt="a">' in shown and '<img alt="b">' in shown


def clean_output(markup: str) -> str:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from analysis.briefings.pages import _sanitizer

    nb = new_notebook(
        cells=[new_code_cell("x", outputs=[new_output("display_data", data={"text/html": markup, "application/javascript": "alert(0)"})])]
    )
    cleaned, _ = _sanitizer().preprocess(nbformat.from_dict(nb), {})
    assert set(cleaned.cells[0].outputs[0].data) == {"text/html"}
    return cleaned.cells[0].outputs[0].data["text/html"]


def test_the_output_cleaner_keeps_a_style_sheet_whole():
    """A chart grid's style sheet keeps its child selector: bleach wrote ``&gt;`` there, and the rule never applied."""
    sheet = "<style>\ndiv.analysis-chart-grid > div { min-width: 0; break-inside: avoid; }\n</style>"
    assert clean_output(sheet + "<div>甲</div>") == sheet + "<div>甲</div>"
    # a style element cannot smuggle markup out of itself
    shown = clean_output("<style>p { color: red }</style><script>alert(1)</script></style><b onclick=alert(2)>乙</b>")
    assert shown == "<style>p { color: red }</style><b>乙</b>"


def test_the_output_cleaner_drops_what_a_briefing_never_shows():
    """Script goes with its content; other unknown tags go and their text stays; attributes outside the list, comments,
    outside links and style declarations outside nbconvert's list go; tables, bars and the pages' own links stay."""
    shown = clean_output(
        "<!-- 注释 --><script>alert(1)</script><iframe>丙</iframe><math><mi>x</mi></math>"
        '<table class="t" border="1"><tr><td colspan="2" onmouseover="alert(3)" data-x="1">5件</td></tr></table>'
        '<span style="width: 41.20%; background-color: #4c72b0; background: url(http://x.org/a.png); position: fixed"></span>'
        '<a href="04_town_profile-甲镇.html#问题">甲镇</a><a href="http://x.org/a.html">外链</a><a href="javascript:alert(4)">丁</a>'
        '<a href="indicators.csv">表</a><form action="http://x.org"><input name="q"></form>'
    )
    assert shown == (
        '丙<table class="t" border="1"><tbody><tr><td colspan="2">5件</td></tr></tbody></table>'
        '<span style="width: 41.20%; background-color: #4c72b0;"></span>'
        '<a href="04_town_profile-甲镇.html#问题">甲镇</a><a>外链</a><a>丁</a><a href="indicators.csv">表</a>'
    )


def test_the_output_cleaner_keeps_a_chart_of_points_and_nothing_that_links_loads_or_runs():
    """A network or biplot drawn by the browser (``plots.svg.PointChart``) passes whole; inside an SVG, script,
    links, pictures, foreign HTML, handlers and values that are not numbers, colours or keywords go."""
    from analysis import plots

    chart = plots.PointChart(
        plots.svg.point_rows(
            [
                {
                    "x": 0,
                    "y": 0,
                    "radius": 6,
                    "color": "#4C72B0",
                    "opacity": 0.85,
                    "mark": "circle",
                    "label": "普法<b>",
                    "label_color": "#222222",
                    "label_dx": 0,
                    "label_dy": 0,
                    "anchor": "middle",
                },
                {
                    "x": 1,
                    "y": 2,
                    "radius": 4,
                    "color": "#C44E52",
                    "opacity": 0.8,
                    "mark": "triangle",
                    "label": "调解",
                    "label_color": "#C44E52",
                    "label_dx": 4,
                    "label_dy": -6,
                    "anchor": "start",
                },
            ]
        ),
        plots.svg.line_rows([{"x1": 0, "y1": 0, "x2": 1, "y2": 2, "width": 2.5, "color": "#999999", "opacity": 0.7}]),
        title="网络",
        x_label="第一维（40.0%）",
        y_label="第二维（20.0%）",
    )
    drawing = chart.svg()
    kept = clean_output(chart.to_html())
    for part in (
        "<svg viewBox=",
        "<circle ",
        "<polygon points=",
        "<line x1=",
        'fill="#C44E52"',
        'transform="rotate(-90',
        ">调解</text>",
        "普法&lt;b&gt;",
    ):
        assert part in kept, part
    assert kept.count("<text ") == drawing.count("<text ") == 4 and kept.count("<circle ") == 1 and kept.count("<line ") == 3
    shown = clean_output(
        '<svg viewBox="0 0 9 9" onload="alert(1)"><script>alert(2)</script><a href="javascript:alert(3)"><text x="1">甲</text></a>'
        '<image href="http://x.org/a.png"></image><use href="#a"></use><foreignObject><p onclick="alert(4)">乙</p></foreignObject>'
        '<circle r="3" fill="url(javascript:alert(5))" cx="1"></circle><text x="1" y="2" fill="red" font-size="javascript:x">丙</text></svg>'
    )
    assert (
        shown
        == '<svg viewBox="0 0 9 9"><a><text x="1">甲</text></a><circle r="3" cx="1"></circle><text x="1" y="2" fill="red">丙</text></svg>'
    )


def test_report_text_shows_as_text_never_as_markup(xss_build):
    out, summary = xss_build
    assert (summary["status"] == "written").all(), "\n".join(summary["message"])
    # the report titled without a town keeps an empty town (never its file name); its doc_id carries the payload
    assert "测试镇" in set(summary["town"])
    assert "" in set(summary["town"].fillna(""))
    for path in html_files(out):
        page = Page(path.read_text(encoding="utf-8"))
        assert [t for t, _ in page.tags if t == "script"] == [], path.name
        handlers = [(t, n) for t, a in page.tags for n in a if n.startswith("on")]
        assert handlers == [], path.name
        assert not any("javascript:" in v.lower() for _, a in page.tags for v in a.values()), path.name
        assert not any(t == "img" and not a.get("src", "").startswith("data:image/") for t, a in page.tags), path.name
    town = Page((out / "04_town_profile-测试镇.html").read_text(encoding="utf-8")).shown
    for payload in ["<script>alert(4)</script>", "<img src=x onerror=alert(5)>"]:
        assert payload in town  # the problem items, shown as the report wrote them
    overview = Page((out / "00_corpus_overview.html").read_text(encoding="utf-8")).shown
    assert EVIL_FILE in overview
    index = Page((out / "index.html").read_text(encoding="utf-8"))
    assert EVIL_FILE in index.shown
    evil = summary[summary["town"].fillna("") == ""].iloc[0]
    assert "<" not in Path(evil["html"]).name


# ------------------------------------------------------------ the command line, and failure without loss


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", "briefings", *args], capture_output=True, text=True, cwd=config.ROOT)


@pytest.fixture()
def two_reports(tmp_path) -> Path:
    data = tmp_path / "raw"
    data.mkdir()
    for path in RAW_FILES[:2]:
        (data / path.name).write_bytes(path.read_bytes())
    return data


def test_a_page_is_made_from_the_executed_notebook_without_writing_it_out_and_reads_its_notebook_again_when_it_changes(tmp_path):
    """``run_briefing`` executes a notebook as papermill does (parameters injected after the parameters cell, the
    cells run in the notebook's folder) without turning the notebook into text: here ``nbformat.writes`` would raise.
    The notebook is read once a process and again when its file changes."""
    notebook = tmp_path / "nb" / "00_plain.ipynb"
    notebook.parent.mkdir()
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# 参数与目录"),
            nbformat.v4.new_code_cell('town = "甲镇"', metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell('import os\nprint(f"乡镇：{town}；目录：{os.path.basename(os.getcwd())}")'),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(notebook))
    code = f"""
import os, nbformat
from pathlib import Path
from analysis.briefings.notebooks import read_notebook
from analysis.briefings.plan import Briefing
from analysis.briefings.run import run_briefing
def refuse(*args, **kwargs):
    raise AssertionError("the notebook was written out as text")
as_text, nbformat.writes = nbformat.writes, refuse
path, out = Path({str(notebook)!r}), Path({str(tmp_path / "out")!r})
for town, line in (("乙镇", None), ("丙镇", 'print("改过的笔记本")')):
    if line:
        nb = nbformat.read(str(path), as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(line))
        path.write_text(as_text(nb), encoding="utf-8")
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    row = run_briefing(Briefing(read_notebook(path), town, {{"town": town}}, out / f"{{town}}.html"))
    assert row["status"] == "written", row
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=config.ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    first = Page((tmp_path / "out" / "乙镇.html").read_text(encoding="utf-8")).shown
    second = Page((tmp_path / "out" / "丙镇.html").read_text(encoding="utf-8")).shown
    assert "乡镇：乙镇；目录：nb" in first and "改过的笔记本" not in first
    assert "乡镇：丙镇；目录：nb" in second and "改过的笔记本" in second


def test_each_page_of_a_worker_numbers_its_cells_from_one_as_a_new_kernel_does(tmp_path):
    """A worker writes its pages one after another in one shell; each begins a new session (``RESET_SOURCE``), so the
    cells of every page are numbered 1, 2, 3 … as in a kernel started for it, and the shell's input history holds
    only that page's cells."""
    notebook = tmp_path / "nb" / "00_counted.ipynb"
    notebook.parent.mkdir()
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell('town = "甲镇"', metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell("len(town)"),
            nbformat.v4.new_markdown_cell("说明"),
            nbformat.v4.new_code_cell("town * 2"),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(notebook))
    code = f"""
import json
from pathlib import Path
from analysis.briefings import engine
from analysis.briefings.notebooks import read_notebook
from analysis.briefings.plan import Briefing
from analysis.briefings.run import _execute
path, out = Path({str(notebook)!r}), Path({str(tmp_path / "out")!r})
pages = []
for town in ("乙镇", "丙镇", "丁镇"):
    done = _execute(Briefing(read_notebook(path), town, {{"town": town}}, out / f"{{town}}.html"), out / "x.ipynb", timeout=None)
    cells = [c for c in done.cells if c.cell_type == "code" and "analysis-reset" not in c.metadata.get("tags", [])]
    pages.append([[c.execution_count, [o.get("data", {{}}).get("text/plain") for o in c.outputs]] for c in cells])
print(json.dumps([pages, len(engine.shell().history_manager.input_hist_raw)]))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=config.ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    pages, history = json.loads(done.stdout)
    assert [[count for count, _ in page] for page in pages] == [[1, 2, 3, 4]] * 3  # the parameters, the injected ones, two cells
    assert [page[2][1] for page in pages] == [["2"], ["2"], ["2"]] and pages[2][3][1] == ["'丁镇丁镇'"]
    assert history <= 6  # this page's cells (and the empty first entry), not every page's


def test_a_failing_notebook_stops_only_its_briefing(two_reports, tmp_path):
    out = tmp_path / "out"
    common = ["--data", str(two_reports), "--out", str(out), "--notebooks-dir", str(FIXTURES)]
    first = cli(*common, "-p", "fail", "False")
    assert first.returncode == 0, first.stderr
    table = pd.read_csv(io.StringIO(first.stdout))
    assert table["status"].tolist() == ["written"] * 4
    assert "4 of 4 briefings written" in first.stderr and "briefings: 100%" in first.stderr
    before = {p.name: p.read_bytes() for p in out.glob("*.html")}
    assert "除法之前" in Page(before["01_broken.html"].decode()).shown

    second = cli(*common)  # fail=True: cell 4 divides by zero
    assert second.returncode == 1
    table = pd.read_csv(io.StringIO(second.stdout)).fillna("")
    assert table.set_index("briefing")["status"].to_dict() == {
        "00_tables": "written",
        "01_broken": "failed",
        "02_town-神树镇": "written",
        "02_town-都督乡": "written",
    }
    message = table.set_index("briefing").loc["01_broken", "message"]
    assert message.startswith("01_broken.ipynb: cell 4 (`ratio = 1 / (0 if fail else 1)`) raised ZeroDivisionError: division by zero")
    assert f"error: {message}" in second.stderr
    assert "3 of 4 briefings written" in second.stderr
    assert (out / "01_broken.html").read_bytes() == before["01_broken.html"]  # the previous briefing is still there
    kept = nbformat.read(out / "_failed" / "01_broken.ipynb", as_version=4)
    errors = [o for c in kept.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert [e.ename for e in errors] == ["ZeroDivisionError"]
    assert sorted(p.name for p in out.iterdir() if p.name != runlock.LOCK_NAME) == [
        "00_tables.html",
        "01_broken.html",
        "02_town-神树镇.html",
        "02_town-都督乡.html",
        "_failed",
        "index.html",
    ]
    index = Page((out / "index.html").read_text(encoding="utf-8")).shown
    assert "上次生成的版本" in index and "ZeroDivisionError" in index

    third = cli(*common, "-p", "fail", "no", "--notebook", "01", "--quiet")
    assert third.returncode == 0 and third.stderr == ""
    assert not (out / "_failed" / "01_broken.ipynb").exists()
    assert pd.read_csv(io.StringIO(third.stdout))["briefing"].tolist() == ["01_broken"]
    index = Page((out / "index.html").read_text(encoding="utf-8")).shown
    assert "本次未重建" in index  # the briefings not rebuilt this time stay linked


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--town", "某某镇"], "error: town 某某镇 is not in the corpus"),
        (["-p", "colour", "red"], "error: no notebook of this run has a parameter 'colour'"),
        (["--notebook", "99"], "error: no notebook '99'"),
    ],
)
def test_command_line_mistakes_exit_2_with_a_message(two_reports, tmp_path, args, message):
    result = cli("--data", str(two_reports), "--out", str(tmp_path / "out"), "--notebooks-dir", str(FIXTURES), *args)
    assert result.returncode == 2 and message in result.stderr and result.stdout == ""


def test_relative_folders_are_read_from_where_the_command_runs(two_reports, tmp_path):
    """As `make briefings` gives them (--data data/raw --out reports): a corpus notebook and a town notebook.

    A relative cache folder too (``ANALYSIS_CACHE_DIR=cache``): the workers,
    which run each notebook from the notebooks' folder, use the same cache and
    run font as the command, and start no second cache beside the notebooks.
    """
    env = {**os.environ, "ANALYSIS_CACHE_DIR": "cache"}
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "briefings", "--data", "raw", "--out", "out", "--notebooks-dir", str(FIXTURES)]
        + ["--notebook", "00", "--notebook", "02", "--quiet"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    written = sorted(p.name for p in (tmp_path / "out").glob("*.html"))
    assert written == ["00_tables.html", "02_town-神树镇.html", "02_town-都督乡.html", "index.html"]
    assert not list((tmp_path / "out").glob(".building-*"))
    shown = Page((tmp_path / "out" / "02_town-都督乡.html").read_text(encoding="utf-8")).shown
    assert f"cache folder: {tmp_path / 'cache'} run font: True" in shown
    assert list((tmp_path / "cache" / "fonts").glob("run-*")) and not (FIXTURES / "cache").exists()


def test_one_town_one_notebook_in_json(two_reports, tmp_path):
    result = cli(
        "--data",
        str(two_reports),
        "--out",
        str(tmp_path),
        "--notebooks-dir",
        str(FIXTURES),
        "--town",
        "都督乡",
        "--notebook",
        "02",
        "--format",
        "json",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    rows = pd.read_json(io.StringIO(result.stdout))
    assert rows["briefing"].tolist() == ["02_town-都督乡"] and rows["title"].tolist() == ["都督乡 · 乡镇测试简报"]
    assert "都督乡2024年度法治政府建设情况报告" in Page((tmp_path / "02_town-都督乡.html").read_text(encoding="utf-8")).shown


# ------------------------------------------------------------ the README's examples


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", path.read_text(encoding="utf-8"), flags=re.S | re.M)


def readme_section(heading: str) -> str:
    """The README's section under ``## heading``, written to a file of its own."""
    text = (config.ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M)
    assert match, f"README.md has no section '## {heading}'"
    return match.group(1)


def run_examples(doc: str, tmp_path: Path, monkeypatch) -> dict:
    if doc == "README:Exploring in Jupyter":
        blocks = re.findall(r"^```python\n(.*?)^```", readme_section("Exploring in Jupyter"), flags=re.S | re.M)
    else:
        blocks = python_blocks(DOCS / doc)
    assert blocks, f"{doc} has no python examples"
    monkeypatch.setattr(config, "REPORTS_DIR", tmp_path / "reports")
    (tmp_path / "reports").mkdir()
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for number, block in enumerate(blocks, start=1):
        exec(compile(block, f"{doc}, example {number}", "exec"), namespace)  # noqa: S102
    return namespace


def test_jupyter_examples_run(tmp_path, monkeypatch):
    seen = run_examples("README:Exploring in Jupyter", tmp_path, monkeypatch)
    assert len(seen["reports"]) == 5
    assert sorted(seen["hits"]["town"]) == ["上社镇", "乌马河镇", "神树镇"]
    assert "神树镇" in set(seen["disputes"]["town"]) and (seen["rates"]["unit"] == "%").all()
    assert seen["built"]["status"].tolist() == ["written"]
    assert (tmp_path / "reports" / "04_town_profile-神树镇.html").is_file()
    assert (tmp_path / "reports" / "04_town_profile-双庙镇.ipynb").is_file()


def test_briefings_examples_run(tmp_path, monkeypatch):
    seen = run_examples("briefings.md", tmp_path, monkeypatch)
    assert (seen["summary"]["status"] == "written").all()


def test_a_markdown_picture_is_read_from_its_file_each_time_a_page_is_written(tmp_path, monkeypatch):
    """Markdown is turned into HTML once a process (the town pages share their text); a picture it shows is not kept:
    the page shows the file as it is when the page is written."""
    import base64

    from nbformat.v4 import new_markdown_cell, new_notebook
    from PIL import Image

    monkeypatch.chdir(tmp_path)
    text = "## 本镇概况\n\n数字与其他乡镇**同年度**的中位数比较。"
    nb = nbformat.from_dict(new_notebook(cells=[new_markdown_cell(text), new_markdown_cell("![示意图](pic.png)")]))
    shown = []
    for colour in ("red", "blue"):
        buffer = io.BytesIO()
        Image.new("RGB", (2, 2), colour).save(buffer, format="PNG")
        (tmp_path / "pic.png").write_bytes(buffer.getvalue())
        page = briefings.to_html(nb, title="示例")
        assert base64.b64encode(buffer.getvalue()).decode() in page  # this colour's picture
        shown.append(page)
    first, second = (re.search(r"<h2.*?</p>", page, re.S).group(0) for page in shown)
    assert first == second and "<strong>同年度</strong>" in first
