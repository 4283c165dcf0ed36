"""analysis.xlsx: workbooks written directly, read back by openpyxl, pandas and LibreOffice as they were written."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis import loaders, xlsx

ROWS = [
    ["乡镇", "次数", "比例", "达标", "说明"],
    ["神树镇", 50, 0.125, True, "开展专项执法检查50余次"],
    ["都督乡", 12345678901, -3.5e-07, False, "a & b < c > d \"引号\" 'x'"],
    ["  前后有空格  ", 0, float("nan"), None, "第一行\n第二行"],
    ["控制\x0b字符", -7, float("inf"), True, ""],
]


def _read(path: Path, sheet: str) -> list[tuple]:
    return [tuple(row) for row in openpyxl.load_workbook(path)[sheet].values]


def test_every_kind_of_value_reads_back_as_it_was_written(tmp_path):
    path = tmp_path / "book.xlsx"
    xlsx.write(path, [("报告", ROWS), ("空表", [])])
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["报告", "空表"]
    assert zipfile.ZipFile(path).namelist()[0] == "[Content_Types].xml"  # first, as Excel writes it: readers that stream expect it
    rows = _read(path, "报告")
    assert rows[0] == ("乡镇", "次数", "比例", "达标", "说明")
    assert rows[1] == ("神树镇", 50, 0.125, True, "开展专项执法检查50余次")
    assert rows[2] == ("都督乡", 12345678901, -3.5e-07, False, "a & b < c > d \"引号\" 'x'")
    assert rows[3] == ("  前后有空格  ", 0, None, None, "第一行\n第二行")  # NaN: an empty cell; blanks and line breaks kept
    assert rows[4] == ("控制字符", -7, None, True, None)  # the control character dropped; infinity and '' empty
    assert [type(v) for v in rows[1]] == [str, int, float, bool, str]
    assert list(book["空表"].values) == []


def test_pandas_reads_each_sheet_as_a_table(tmp_path):
    path = tmp_path / "book.xlsx"
    table = pd.DataFrame({"town": ["神树镇", "都督乡", "神树镇"], "value": [1.5, 2.0, 3.25], "count": [3, 4, 5]})
    xlsx.write(path, [("甲", [list(table.columns), *table.itertuples(index=False)]), ("乙", [["x"], ["神树镇"]])])
    back = pd.read_excel(path, sheet_name=None)
    assert list(back) == ["甲", "乙"]
    pd.testing.assert_frame_equal(back["甲"], table)
    assert back["乙"]["x"].tolist() == ["神树镇"]


def test_what_excel_cannot_hold_is_cut_and_said(tmp_path, monkeypatch):
    path = tmp_path / "book.xlsx"
    long_text = "法" * (xlsx.MAX_CELL_CHARS + 10)
    monkeypatch.setattr(xlsx, "MAX_ROWS", 5)  # Excel's limits are a million rows and 16,384 columns: small ones show the same
    monkeypatch.setattr(xlsx, "MAX_COLUMNS", 2)
    xlsx.write(path, [("长", [["文本", "甲", "乙", "丙"], [long_text], ["二"], ["三"], ["四"], ["五"]]), ("短", [["一", 1]])])
    rows = _read(path, "长")
    assert rows[1][0] == "法" * (xlsx.MAX_CELL_CHARS - 1) + "…" and len(rows[1][0]) == xlsx.MAX_CELL_CHARS
    assert rows[0] == ("文本", "甲") and [r[0] for r in rows[:3]] == ["文本", rows[1][0], "二"] and len(rows) == 5
    assert rows[3][0] == xlsx.COLUMNS_LEFT_OUT.format(n=2, limit=2)
    assert rows[4][0] == xlsx.ROWS_LEFT_OUT.format(n=3, limit=5)
    assert _read(path, "短") == [("一", 1)]  # a sheet within the limits says nothing


def test_a_workbook_without_tables_still_has_its_one_sheet(tmp_path):
    xlsx.write(tmp_path / "book.xlsx", [])
    assert openpyxl.load_workbook(tmp_path / "book.xlsx").sheetnames == [xlsx.EMPTY_TITLE]


def test_a_value_the_workbook_cannot_hold_is_refused_by_name(tmp_path):
    with pytest.raises(TypeError, match="not list"):
        xlsx.write(tmp_path / "book.xlsx", [("表", [[["a"]]])])


def _calc() -> str | None:
    """soffice when LibreOffice's spreadsheet (Calc) is installed beside it."""
    soffice = loaders.soffice()
    return soffice if soffice and (Path(soffice).resolve().parent / "libsclo.so").is_file() else None


@pytest.mark.skipif(_calc() is None, reason="LibreOffice Calc is not installed; .ci/run installs it")
def test_libreoffice_opens_the_workbook_and_reads_its_cells(tmp_path):
    path = tmp_path / "book.xlsx"
    xlsx.write(path, [("报告", ROWS[:3])])
    profile = (tmp_path / "profile").as_uri()
    utf8_csv = "csv:Text - txt - csv (StarCalc):44,34,76"
    command = [_calc(), f"-env:UserInstallation={profile}", "--headless", "--convert-to", utf8_csv, "--outdir", str(tmp_path), str(path)]
    subprocess.run(command, capture_output=True, timeout=180, check=True)
    lines = (tmp_path / "book.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "乡镇,次数,比例,达标,说明"
    assert lines[1] == "神树镇,50,0.125,TRUE,开展专项执法检查50余次"
    assert lines[2].startswith("都督乡,12345678901,") and lines[2].endswith(',FALSE,"a & b < c > d ""引号"" \'x\'"')
