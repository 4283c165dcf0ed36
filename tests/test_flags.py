"""Flags (analysis.flags): copies, another town named as itself, a wrong year, impossible figures.

The copied reports are built in tmp_path from the real ones; what each must
show is written from how they were built.
"""

from __future__ import annotations

import contextlib
import io

import pandas as pd
import pytest

from analysis import config, flags
from analysis.cli import main
from analysis.corpus import load_corpus
from analysis.errors import LexiconError
from tests.conftest import IDS


def test_the_five_reports_raise_no_flag(reports):
    # by reading: five towns, each naming itself; titles and bodies agree on the year
    # (都督乡 2024); no rate above 100 %; no 其中 part larger than its whole
    table = flags.flags(reports)
    assert list(table.columns) == flags.FLAG_COLUMNS and table.empty


@pytest.fixture(scope="module")
def copied(tmp_path_factory):
    folder = tmp_path_factory.mktemp("copied")
    for path in sorted(config.DATA_RAW.glob("*.txt")):
        (folder / path.name).write_bytes(path.read_bytes())
    shenshu = (config.DATA_RAW / f"{IDS['神树镇']}.txt").read_text(encoding="utf-8")
    # 红星镇's report: 神树镇's with another title and two figures changed; the body still says 神树镇
    copy = shenshu.replace("神树镇2025年法治政府建设年度报告", "红星镇2025年法治政府建设年度报告", 1)
    (folder / "900_copy.txt").write_text(copy.replace("50余次", "30余次").replace("2242件", "1800件"), encoding="utf-8")
    dudu = (config.DATA_RAW / f"{IDS['都督乡']}.txt").read_text(encoding="utf-8")
    # 白云乡 2025: 都督乡's 2024 report under a 2025 title, with a rate over 100 %
    year = dudu.replace("都督乡2024年度法治政府建设情况报告", "白云乡2025年度法治政府建设情况报告", 1).replace(
        "满意度达到90%", "满意度达到120%"
    )
    (folder / "901_year.txt").write_text(year, encoding="utf-8")
    return load_corpus(folder).reports


def by(table: pd.DataFrame, doc_id: str, flag: str) -> pd.DataFrame:
    return table[(table["doc_id"] == doc_id) & (table["flag"] == flag)]


def test_copied_report_is_flagged_with_its_partner(copied):
    table = flags.flags(copied)
    near = by(table, "900_copy", "near_duplicate")
    assert len(near) == 1 and "神树镇2025年度报告" in near["detail"].iloc[0] and IDS["神树镇"] in near["detail"].iloc[0]
    assert len(by(table, IDS["神树镇"], "near_duplicate")) == 1  # and the original names the copy
    assert "红星镇" in by(table, IDS["神树镇"], "near_duplicate")["detail"].iloc[0]
    partners = flags.partners(copied).set_index("doc_id")
    assert partners.loc["900_copy", "partner"] == IDS["神树镇"] and partners.loc["900_copy", "share"] > 0.9
    assert partners.loc[IDS["上社镇"], "share"] < 0.1  # the real reports share little


def test_copied_report_names_another_town_as_itself(copied):
    table = flags.flags(copied)
    other = by(table, "900_copy", "other_town")
    assert len(other) == 1 and "神树镇" in other["detail"].iloc[0] and "神树镇" in other["evidence"].iloc[0]
    assert by(table, IDS["神树镇"], "other_town").empty  # the original names itself


def test_title_year_differs_from_the_body(copied):
    table = flags.flags(copied)
    wrong = by(table, "901_year", "year_mismatch")
    assert len(wrong) == 1 and wrong["detail"].iloc[0] == "标题写2025年，正文报告的是2024年"
    assert by(table, IDS["都督乡"], "year_mismatch").empty


def test_rate_over_100(copied):
    table = flags.flags(copied)
    rate = by(table, "901_year", "rate_over_100")
    assert len(rate) == 1 and "120%" in rate["detail"].iloc[0] and "满意度达到120%" in rate["evidence"].iloc[0]


def test_part_larger_than_its_whole(tmp_path):
    text = (
        "测试镇2025年法治政府建设年度报告\n一、主要工作及成效\n"
        "全年共排查矛盾纠纷20件，其中成功化解25件。开展普法活动12次，其中进村入户8次。\n"
        "二、存在的问题\n一是普法形式单一。\n三、下一步工作计划\n一是创新普法形式。\n"
    )
    (tmp_path / "t.txt").write_text(text, encoding="utf-8")
    from analysis import indicators

    rows = indicators.extract(load_corpus(tmp_path).reports)
    table = flags.impossible_figures(rows)
    assert table["flag"].tolist() == ["part_over_whole"]
    assert table["detail"].iloc[0] == "其中25件大于总数20件"


def test_readable_is_chinese(copied):
    table = flags.readable(flags.flags(copied))
    assert table.columns.tolist() == ["乡镇", "年度", "问题类型", "说明", "依据（报告原文）"]
    assert set(table["问题类型"]) >= {"疑似抄用其他报告", "正文写的是其他乡镇", "标题年度与正文不符", "比率超过100%"}


def test_flags_file_is_validated(tmp_path):
    text = config.FLAGS_FILE.read_text(encoding="utf-8").replace("share: 0.5", "share: 5")
    path = tmp_path / "flags.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LexiconError, match="entry 'near_duplicate'"):
        flags.load_rules(path)


def test_flags_command(copied):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["flags", str(config.DATA_RAW)])
    assert status == 0 and pd.read_csv(io.StringIO(out.getvalue())).columns.tolist() == flags.FLAG_COLUMNS


def test_the_index_page_lists_the_flags_up_front(copied):
    from analysis import briefings

    meta = {
        "run_date": "2026-01-01",
        "data_dir": "d",
        "data_hash": "0",
        "lexicon_hash": "0",
        "version": "0",
        "seconds": 1,
        "parameters": {},
    }
    done = pd.DataFrame(columns=["briefing", "town", "html", "seconds", "status", "message"])
    problems = pd.DataFrame(columns=["file", "problem", "action"])
    page = briefings.index_html(copied, problems, [], done, meta=meta, flags=flags.flags(copied))
    assert "需要先看的报告</h2>" in page and "正文写的是其他乡镇" in page and "标题写2025年，正文报告的是2024年" in page
    quiet = briefings.index_html(copied, problems, [], done, meta=meta, flags=flags.flags(copied).iloc[0:0])
    assert "没有发现需要先看的报告" in quiet


def _partner_by_definition(idx, doc):
    """The best partner as the share is defined: the characters under any window shared with that one report."""
    import numpy as np

    norm = idx.texts[doc]
    chars = len(norm) - norm.count("\n")
    best, best_share = None, 0.0
    others = sorted({o for s in idx.window_sets[doc].tolist() for o in idx.sets[s] if o != doc})
    for other in others:
        covered = np.zeros(len(norm), dtype=bool)
        for start, s in zip(idx.window_starts[doc].tolist(), idx.window_sets[doc].tolist(), strict=True):
            if other in idx.sets[s]:
                covered[start : start + idx.n] = True
        share = covered.sum() / chars if chars else 0.0
        if share > best_share:
            best, best_share = other, share
    return best, best_share


def test_best_partner_equals_its_definition_on_random_windows():
    # random shared windows: runs of one set, gaps, overlapping runs of other sets, windows cut by the text's end
    import random

    import numpy as np

    from analysis.boilerplate import SharedIndex

    rng = random.Random(7)
    sets = ((0, 1), (0, 2), (0, 1, 2), (0, 3), (0, 1, 3))
    for case in range(300):
        length = rng.randint(1, 120)
        norm = "".join(rng.choice("法治\n政府建设") for _ in range(length))
        starts = np.array(sorted(rng.sample(range(length), rng.randint(0, min(length, 40)))), dtype=np.int64)
        labels = np.array([rng.randrange(len(sets)) for _ in starts], dtype=np.int64)
        n = rng.randint(2, 9)
        idx = SharedIndex(
            ("a", "b", "c", "d"),
            ("", "", "", ""),
            (norm, "", "", ""),
            ("",) * 4,
            (None,) * 4,
            (None,) * 4,
            (starts,) + (np.zeros(0, np.int64),) * 3,
            (labels,) + (np.zeros(0, np.int64),) * 3,
            sets,
            n,
            2,
        )
        want_partner, want_share = _partner_by_definition(idx, 0)
        got_partner, got_share = flags._best_partner(idx, 0)
        assert got_partner == want_partner and got_share == pytest.approx(want_share), case


def test_evidence_gathered_once_gives_the_same_flags(copied):
    """The briefings gather the shared wording once for the scorecard and the flags: the flags are the same."""
    from analysis import indicators

    rows = indicators.extract(copied)
    evidence = flags.gather_evidence(copied, rows)
    table = flags.flags(copied, rows=rows, evidence=evidence)
    pd.testing.assert_frame_equal(table, flags.flags(copied))
    assert set(table["flag"]) == {"near_duplicate", "other_town", "year_mismatch", "rate_over_100"}
