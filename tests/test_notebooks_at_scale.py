"""Notebooks 01 and 03 on 60 reports: the paths a large corpus takes (issue 7).

The corpus is the five real reports copied twelve times under made-up town
names (安宝东镇, 北长西乡…) in six made-up counties, written into a temporary
folder: 60 towns, each report naming its own town (and county) and no other.
At this size the per-town tables are cut to ``max_rows``, the keyness panels
to ``max_panels``, the chi-square by town is not meaningful, the compliance
chart turns into bars and the shared-wording chart into a histogram.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from analysis import config, frequency, keyness, structure, themes
from analysis.corpus import load_corpus

STEMS = ["安宝", "北长", "丰福", "高广", "和红", "吉嘉", "金康", "兰乐", "林龙", "明南", "宁平", "庆泉"]
SIDES = "东西南北中"  # one per real report: 安宝东镇 is a copy of 神树镇, 安宝西乡 of 都督乡…
COUNTIES = ["兴福县", "林大县", "明吉区", "福玉旗", "新兰县", "云阳区"]


def write_corpus(folder: Path) -> Path:
    """60 reports: copy i of real report j is town STEMS[i] + SIDES[j], in county COUNTIES[(i + j) % 6]."""
    real = load_corpus(config.DATA_RAW, warn=False).reports
    folder.mkdir(parents=True, exist_ok=True)
    for i, stem in enumerate(STEMS):
        for j, row in enumerate(real.itertuples()):
            text = Path(row.path).read_text(encoding="utf-8")
            county = COUNTIES[(i + j) % len(COUNTIES)]
            town = stem + SIDES[j] + row.level
            if isinstance(row.county, str):
                text = text.replace(row.county, county)  # 杭锦后旗双庙镇… → 兴福县…
            text = text.replace(row.town[: -len(row.level)], stem + SIDES[j])  # 神树镇, 神树 → 安宝东镇, 安宝东
            if not isinstance(row.county, str):
                text = text.replace(town, county + town, 1)  # the first mention names the county
            (folder / f"{i:02d}_{j}.txt").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def scale_dir(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("scale") / "raw")


@pytest.fixture(scope="module")
def scale_reports(scale_dir) -> pd.DataFrame:
    return load_corpus(scale_dir, warn=False).reports


def _outputs(nb) -> list[tuple[str, str]]:
    """(cell source, everything the cell showed as text or HTML) for each code cell."""
    shown = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        parts = []
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", out
            data = out.get("data", {})
            parts.append(out.get("text", "") + data.get("text/plain", "") + data.get("text/html", ""))
        shown.append((cell.source, "\n".join(parts)))
    return shown


def _own_names(town: str, county: str) -> set[str]:
    """Every stretch of two or more characters of 县名 + 镇名, read as the report's own place name (街道 aside)."""
    name = county + town
    return {name[i:j] for i in range(len(name)) for j in range(i + 2, len(name) + 1)}


def test_the_corpus_has_sixty_towns_in_six_counties(scale_reports):
    assert len(scale_reports) == 60 and scale_reports["town"].nunique() == 60
    assert sorted(scale_reports["county"].unique()) == sorted(COUNTIES)
    assert (scale_reports.groupby("county").size() == 10).all()
    for row in scale_reports.itertuples():
        assert row.text.count(row.town) >= 2  # each report names itself…
        others = scale_reports[scale_reports["town"] != row.town]
        assert not any(row.town in text for text in others["text"])  # …and no one else does


def test_own_names_top_the_keyness_unless_left_out(scale_reports):
    """Kept, a town's own name (or a piece jieba cut from it) is its top key term; by default none is left."""
    terms = frequency.terms(scale_reports)
    county = dict(zip(scale_reports["town"], scale_reports["county"]))
    kept = keyness.keyness_by(terms, by="town", top=1, keep_places=True)
    kept = kept[kept["direction"] == "target"]
    named = [town for town, token in zip(kept["town"], kept["token"]) if token in _own_names(town, county[town])]
    assert len(named) >= 30  # most towns' top term is their own name
    default = keyness.keyness_by(terms, by="town", top=10)
    for town, part in default.groupby("town"):
        assert not set(part["token"]) & _own_names(town, county[town]), town


@pytest.mark.slow
def test_word_frequency_notebook_at_scale(run_notebook, scale_dir, scale_reports):
    nb = run_notebook("01_word_frequency.ipynb", data_dir=str(scale_dir), max_rows=30, max_panels=12)
    cells = _outputs(nb)
    text = "\n".join(out for _, out in cells)
    assert "报告 60 份，乡镇 60 个" in text
    # the per-town table: 30 towns, and the reader is told 30 are not shown (no pandas "..." row)
    per_town = next(out for src, out in cells if src.startswith("per_town = "))
    assert "共 60 个乡镇，下表显示词数最多的 30 个，另有 30 个未显示。" in per_town
    assert "30 rows × 2 columns" not in per_town and not re.search(r"^\.\.\.", per_town, re.M)
    assert len(re.findall(r"<tr>\s*<td>", per_town)) == 30 and "<th></th>" not in per_town  # no row index
    distinct = next(out for src, out in cells if src.startswith("distinct = "))
    assert "共 60 份报告，下表显示所选乡镇的 12 份，另有 48 份未显示。" in distinct
    # keyness: no town's own name (whole, short or cut) among its key terms
    key_table = next(out for src, out in cells if 'key_terms["direction"] == "target"' in src)
    county = dict(zip(scale_reports["town"], scale_reports["county"]))
    rows = re.findall(r"<tr>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>", key_table)
    assert len(rows) == 12
    for town, listed in rows:
        words = {w.split("(")[0] for w in listed.split("、")}
        assert not words & _own_names(town, county[town]), (town, listed)
    assert "\\n" not in text


@pytest.mark.slow
def test_problem_themes_notebook_at_scale(run_notebook, scale_dir):
    nb = run_notebook("03_problem_themes.ipynb", data_dir=str(scale_dir))
    cells = _outputs(nb)
    text = "\n".join(out for _, out in cells)
    assert "共 60 份报告，192 条问题" in text
    # item texts: line breaks shown as spaces, never as a literal \n
    assert "\\n" not in text
    # the grouping: by town the test means nothing, so the counties are used, and the reader is told so
    assert "按县区分组（自动选择：按乡镇分组时检验没有意义）" in text
    assert "按乡镇分组：60 组，平均每组 3.2 条问题，没有主题满足 Cochran 条件" in text
    assert "按县区分组：6 组，平均每组 32.0 条问题" in text
    assert "各town" not in text and "“town”" not in text and "“county”" not in text
    assert "共 60 个乡镇，下表显示问题条目最多的 30 个，另有 30 个未显示。" in text
    assert "共 6 个县区，全部显示。" in text
    images = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert images >= 2  # checklist bars, shared-wording histogram
    # heat maps of towns (the 30 with most problems), county shares, residuals and coverage, drawn by the browser
    assert text.count('<table class="analysis-heat">') == 4
    assert "各乡镇问题主题（条目数）（仅显示合计最大的 30 行，共 60 行）" in text  # top_n = 30


def test_chi_square_chooses_the_county_at_sixty_reports(scale_reports):
    problems = structure.problem_items(scale_reports)
    codes = themes.code_items(problems)
    auto = themes.chi_square(codes, problems, by="auto", reports=scale_reports)
    assert auto.by == "county" and auto.meaningful and auto.unknown == 0
    assert not themes.chi_square(codes, problems, by="town", reports=scale_reports).meaningful
    forced = themes.chi_square(codes, problems, by="level", reports=scale_reports)
    assert forced.by == "level" and forced.choice == "按层级分组（指定）。"
