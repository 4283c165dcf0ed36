"""Tables for the reader: Chinese column names, one-line text, the largest N rows with a note."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import display, overview


@pytest.mark.parametrize(
    "column, name, unit",
    [
        ("town", "乡镇", "个"),
        ("county", "县区", "个"),
        ("year", "年度", "个"),
        ("level", "层级", "个"),
        ("doc_id", "报告", "份"),
        ("theme", "主题", "个"),
    ],
)
def test_report_columns_in_chinese(column, name, unit):
    assert display.label(column) == name and display.unit(column) == unit


def test_unknown_column_keeps_its_name():
    assert display.label("district") == "district" and display.unit("district") == "个"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("法治宣传教育力度不强\n部分群众", "法治宣传教育力度不强 部分群众"),
        ("一是……\r\n二是……", "一是…… 二是……"),
        ("第一段。\n\n  第二段。", "第一段。 第二段。"),  # a blank line and the indent become one space
        ("(1) 甲\n(2) 乙\n…另 3 条", "(1) 甲 (2) 乙 …另 3 条"),
        ("没有换行", "没有换行"),
    ],
)
def test_one_line(text, expected):
    table = pd.DataFrame({"text": [text], "n": [1]})
    out = display.one_line(table)
    assert out.loc[0, "text"] == expected
    assert out.loc[0, "n"] == 1
    assert table.loc[0, "text"] == text  # the input is left alone


def test_one_line_leaves_other_cells_and_chosen_columns():
    table = pd.DataFrame({"a": ["x\ny", None], "b": ["p\nq", "r"], "n": [1.5, 2.0]})
    out = display.one_line(table, columns=["a"])
    assert out["a"].tolist()[0] == "x y" and pd.isna(out["a"].tolist()[1])
    assert out["b"].tolist() == ["p\nq", "r"] and out["n"].tolist() == [1.5, 2.0]


def test_largest_rows_keep_their_order_and_say_what_is_left_out():
    table = pd.DataFrame({"P1": [1, 5, 3, 0], "P2": [0, 0, 4, 0]}, index=pd.Index(["甲镇", "乙镇", "丙镇", "丁镇"], name="town"))
    top = display.largest(table, 2, how="问题条目最多的")
    assert list(top.index) == ["乙镇", "丙镇"]  # totals 5 and 7, in the table's order
    assert display.note(top) == "共 4 个乡镇，下表显示问题条目最多的 2 个，另有 2 个未显示。"
    tie = display.largest(pd.DataFrame({"v": [1, 1, 1]}, index=pd.Index(["a", "b", "c"], name="county")), 2)
    assert list(tie.index) == ["a", "b"] and display.note(tie).startswith("共 3 个县区")
    assert display.note(display.largest(table, 10)) == "共 4 个乡镇，全部显示。"
    assert display.note(display.largest(table, None)) == "共 4 个乡镇，全部显示。"
    assert len(table) == 4 and display.note(table) == ""  # the input is left alone


def test_largest_groups_by_a_column_and_weight():
    table = pd.DataFrame({"doc_id": ["d1", "d1", "d2", "d3"], "count": [1, 1, 5, 3]})
    top = display.largest(table, 2, by="doc_id", weight="count", how="词数最多的")
    assert top["doc_id"].tolist() == ["d2", "d3"]
    assert display.note(top) == "共 3 份报告，下表显示词数最多的 2 份，另有 1 份未显示。"
    by_rows = display.largest(table, 1, by="doc_id")  # no weight: the group with the most rows
    assert by_rows["doc_id"].tolist() == ["d1", "d1"]


def test_shown_note():
    assert display.shown_note(30, 325, what="乡镇", how="词数最多的") == "共 325 个乡镇，下表显示词数最多的 30 个，另有 295 个未显示。"
    assert display.shown_note(5, 5, what="乡镇") == "共 5 个乡镇，全部显示。"


def test_shown_lists_the_table_or_its_summaries(reports):
    table = overview.overview(reports)
    assert display.shown(table, {"各年度": overview.counts(reports, "year")}, at_scale=False) == [("table", table)]
    parts = display.shown(table, {"各年度": overview.counts(reports, "year")}, at_scale=True, file="corpus_reports.csv")
    assert [kind for kind, _ in parts] == ["note", "title", "table"]
    assert "共 5 行" in parts[0][1] and '<a href="corpus_reports.csv">报告一览（CSV）</a>' in parts[0][1]
    assert parts[1][1] == "各年度"


def test_files_note_names_files_relative_to_the_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    note = display.files_note([tmp_path / "corpus_reports.csv", tmp_path / "sub" / "a.png"], tmp_path).data
    assert '<a href="corpus_reports.csv">报告一览（CSV）</a>' in note and '<a href="sub/a.png">' in note and str(tmp_path) not in note


def test_readable_shows_what_a_reader_reads():
    import numpy as np
    import pandas as pd

    reports = pd.DataFrame({"doc_id": ["d1", "d2"], "town": ["神树镇", None], "year": [2023, np.nan]})
    table = pd.DataFrame(
        {
            "doc_id": ["d1", "d2"],
            "qualifier": ["more_than", "exact"],
            "indicator": ["disputes_resolved", ""],
            "share": [0.25, np.nan],
            "value": [12000.0, 3.0],
            "meaningful": [False, True],
            "role": ["plans", None],
        },
        index=pd.Index([7, 9]),
    )
    shown = display.readable(table, reports=reports)
    assert list(shown.columns) == ["报告", "限定", "指标", "比例", "数值", "检验是否有意义", "报告部分"]
    assert shown.iloc[0].tolist() == ["神树镇 2023年", "余、多", "矛盾纠纷化解", "25%", "12,000", "否", "下一步计划"]
    assert shown.iloc[1].tolist() == ["（未识别乡镇）", "确数", "", "", "3", "是", ""]
    assert list(table.columns)[0] == "doc_id"  # the input keeps its English columns
    plain = table.reset_index(drop=True)  # no index to reset: the table's own cells are read, and left as they were
    before = plain.copy()
    assert display.readable(plain, reports=reports).iloc[0, 0] == "神树镇 2023年"
    pd.testing.assert_frame_equal(plain, before)
    pivot = pd.DataFrame({"funding": [1.5]}, index=pd.Index(["神树镇"], name="town"))
    assert display.readable(pivot).columns.tolist() == ["乡镇", "经费投入"]
    stored = pd.DataFrame({"town": ["神树镇"], "encoding": ["gb18030"], "sha256": ["ab12"], "n_chars": [3000]})
    assert display.readable(stored).columns.tolist() == ["乡镇", "字数"]  # how the file was stored is not shown


def test_table_html_cuts_long_tables_and_links_the_export():
    import pandas as pd

    page = display.table_html(pd.DataFrame({"town": list("abcde")}), limit=2, file="indicators_rows.csv")
    assert "共 5 行，下表列出前 2 行" in page and '<a href="indicators_rows.csv">全部数量表述（CSV）</a>' in page
    assert page.count("<td>") == 2 and "<th></th>" not in page
    assert display.table_html(pd.DataFrame({"town": []}), empty="没有。") == '<p class="analysis-note">没有。</p>'


def test_labels_file_is_validated(tmp_path):
    import pytest

    from analysis.errors import LexiconError

    bad = tmp_path / "labels.yml"
    bad.write_text("columns:\n  town: ''\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="columns.town"):
        display.labels(bad)
    bad.write_text("colums:\n  town: 乡镇\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="unknown section 'colums'"):
        display.labels(bad)


def test_a_kind_of_table_names_its_own_columns_and_values():
    """labels.yml 'tables': the year-pair tables say 落实情况 and 已落实; an unknown kind is an error that lists the kinds."""
    import pandas as pd
    import pytest

    from analysis.errors import OptionError

    follow = pd.DataFrame({"town": ["神树镇"], "status": ["no evidence"], "rate": [0.5], "recurring": [True]})
    shown = display.readable(follow, kind="panel")
    assert shown.columns.tolist() == ["乡镇", "落实情况", "落实率", "是否重复"]
    assert shown.iloc[0].tolist() == ["神树镇", "未见成效", "50%", "是"]
    assert display.readable(follow).columns.tolist()[1] == "情况"  # without the kind: the shared name
    with pytest.raises(OptionError, match="panel"):
        display.readable(follow, kind="nope")


def _pandas_html(table: pd.DataFrame, **options) -> str:
    """The table part of ``table_html`` as pandas writes it: the readable table through ``DataFrame.to_html``."""
    return display.readable(table, **options).to_html(
        index=False, escape=True, border=0, classes="analysis-table", na_rep="", justify="left"
    )


def test_a_table_of_text_is_written_as_pandas_writes_it(reports, items):
    from analysis import indicators, scorecard

    rows = indicators.extract(reports)
    card = scorecard.assess(reports)
    tricky = pd.DataFrame(
        {
            "town": ["神树镇", "  a<b & c>d  ", "两个  空格", "制表\t符", "换\n行", "\u3000全角空格\u3000", ""],
            "text": ["“引号”与'单引号'", "&amp; 已转义", "<script>", "1,234", "是", "  ", "末行"],
        }
    )
    tables = [
        (rows, {"reports": reports}),
        (items, {"reports": reports}),
        (card.scores, {}),
        (card.totals, {}),
        (tricky, {}),
        (overview.overview(reports), {}),
    ]
    for table, options in tables:
        written = display.table_html(table, **options)
        assert written.endswith(_pandas_html(table, **options)), table.columns.tolist()
    assert "<td>a&lt;b &amp; c&gt;d</td>" in display.table_html(tricky)  # escaped, outer blanks dropped
    assert "<td>两个&nbsp;&nbsp;空格</td>" in display.table_html(tricky) and "<td>制表\\t符</td>" in display.table_html(tricky)


def test_a_table_with_numbers_left_as_numbers_is_written_by_pandas():
    table = pd.DataFrame({"乡镇": ["神树镇", "都督乡"], "得分": [1.5, 2.25]})
    # value_label keeps a float of an unknown column a float: the cells are not all text
    assert display.table_html(table).endswith(_pandas_html(table))
