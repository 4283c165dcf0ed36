"""Corpus loading: metadata of the real reports, encodings, docx, bad input (other formats: test_loaders, test_inputs)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from analysis import config
from analysis.corpus import REPORT_COLUMNS, clean, load_corpus
from analysis.metadata import describe
from tests.conftest import IDS, RAW_FILES

SHARED_CORPUS = config.ROOT.parent / "shared" / "corpus"

# Written by reading each report's first lines.
METADATA = [
    # doc_id, town, level, county, year, title
    (IDS["神树镇"], "神树镇", "镇", None, 2025, "神树镇2025年法治政府建设年度报告"),
    (IDS["都督乡"], "都督乡", "乡", None, 2024, "都督乡2024年度法治政府建设情况报告"),
    (IDS["上社镇"], "上社镇", "镇", None, 2025, ""),  # no title: town from the opening sentence
    (IDS["双庙镇"], "双庙镇", "镇", "杭锦后旗", 2025, "杭锦后旗双庙镇2025年法治政府建设情况报告"),
    (IDS["乌马河镇"], "乌马河镇", "镇", None, 2025, "2025年度乌马河镇法治政府建设工作情况汇报"),
]


@pytest.mark.parametrize(("doc_id", "town", "level", "county", "year", "title"), METADATA)
def test_metadata_of_the_five_reports(reports, doc_id, town, level, county, year, title):
    row = reports.set_index("doc_id").loc[doc_id]
    assert row["town"] == town
    assert row["level"] == level
    assert (row["county"] if pd.notna(row["county"]) else None) == county
    assert row["year"] == year
    assert row["title"] == title


def test_reports_table_shape(corpus):
    reports, problems = corpus
    assert list(reports.columns) == REPORT_COLUMNS
    assert len(reports) == 5 and problems.empty
    assert reports["doc_id"].tolist() == sorted(IDS.values())
    assert (reports["n_chars"] == reports["text"].str.len()).all()
    for row in reports.itertuples():
        assert row.sha256 == hashlib.sha256(Path(row.path).read_bytes()).hexdigest()


def test_cleaning_removes_artefacts_and_keeps_text(reports):
    text = reports.set_index("doc_id").loc[IDS["双庙镇"], "text"]
    assert "[bookmark" not in text
    assert text.startswith("杭锦后旗双庙镇2025年法治政府建设\n情况报告\n2025年，双庙镇")
    assert "\r" not in text and "\n\n\n" not in text
    # inner spaces of quantities stay (report 001 writes 110 件 with an en space)
    assert "110\u2002件" in reports.set_index("doc_id").loc[IDS["都督乡"], "text"]


def test_cleaning_a_pasted_page_with_hidden_characters_and_gaps():
    """What a copy from a browser or Word brings: a BOM, zero-width and soft-hyphen characters inside words,
    runs of spaces, indents of ideographic spaces, several empty lines in a row."""
    raw = "\ufeff\u3000\u3000一、主要\u200b成效\r\n\r\n\r\n\r\n  全年办理\u00ad行政复议  案件12件。\u2060\n\n\n\u3000\u3000二、存在问题\n"
    assert clean(raw) == "一、主要成效\n\n全年办理行政复议 案件12件。\n\n二、存在问题"
    assert clean("一、主要成效\n\n全年办理案件12件。") == "一、主要成效\n\n全年办理案件12件。"  # nothing to clean: unchanged


def test_data_raw_is_the_shared_corpus_byte_for_byte():
    if not SHARED_CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside this checkout")
    shared = sorted(SHARED_CORPUS.glob("*.txt"))
    assert [p.name for p in shared] == [p.name for p in RAW_FILES]
    for ours, theirs in zip(RAW_FILES, shared):
        assert ours.read_bytes() == theirs.read_bytes()


@pytest.mark.parametrize(
    ("index", "encoding"),
    [(0, "gb18030"), (1, "gb18030"), (2, "gbk"), (3, "gbk"), (4, "gb18030"), (0, "utf-8-sig"), (3, "utf-16")],
)
def test_other_encodings_give_the_same_text(tmp_path, reports, index, encoding):
    # 000, 001 and 004 hold characters GBK lacks (・, an en space): GB18030 covers them.
    original = RAW_FILES[index]
    copy = tmp_path / original.name
    text = original.read_text(encoding="utf-8")
    copy.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    loaded, problems = load_corpus(copy, warn=False)
    assert problems.empty
    row = loaded.iloc[0]
    expected = reports.iloc[index]
    assert row["text"] == expected["text"]
    for key in ("town", "level", "year", "title"):
        assert row[key] == expected[key]


def test_big5_traditional_report(tmp_path):
    path = tmp_path / "big5.txt"
    path.write_bytes("大順鎮2025年法治政府建設年度報告\n2025年，大順鎮堅持依法行政，開展專項執法檢查12次。\n".encode("big5"))
    row = load_corpus(path, warn=False).reports.iloc[0]
    assert row["encoding"] == "big5"
    assert row["title"] == "大順鎮2025年法治政府建設年度報告"  # the original form is kept
    assert (row["town"], row["level"], row["year"]) == (
        "大顺镇",
        "镇",
        2025,
    )  # one town whatever the script: grouped with its simplified reports


def test_docx_gives_the_same_metadata_and_text(tmp_path, reports):
    import docx

    for source, expected in zip(RAW_FILES, reports.itertuples()):
        document = docx.Document()
        for line in source.read_text(encoding="utf-8").split("\n"):
            document.add_paragraph(line)
        path = tmp_path / f"{source.stem}.docx"
        document.save(path)
        row = load_corpus(path, warn=False).reports.iloc[0]
        assert row["text"] == expected.text
        assert (row["town"], row["year"], row["title"]) == (expected.town, expected.year, expected.title)
        assert row["encoding"] == "docx"


def test_docx_tables_are_read_in_order(tmp_path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "索引号", "11500102-2026-001"
    table.cell(1, 0).text, table.cell(1, 1).text = "发布机构", "涪陵区大顺镇人民政府"
    document.add_paragraph("大顺镇2025年法治政府建设年度报告")
    document.add_paragraph("2025年，大顺镇坚持依法行政。")
    path = tmp_path / "table.docx"
    document.save(path)
    row = load_corpus(path, warn=False).reports.iloc[0]
    assert row["text"].startswith("索引号\t11500102-2026-001\n发布机构\t涪陵区大顺镇人民政府\n大顺镇")
    assert (row["town"], row["title"]) == ("大顺镇", "大顺镇2025年法治政府建设年度报告")


def test_metadata_sees_past_page_furniture_and_ascii_punctuation():
    text = clean(
        "索引号：11500102MB1234567X/2026-00012\n"
        "发布机构：涪陵区大顺镇人民政府\n"
        "发布日期：2026-01-16\n"
        "首页 > 政务公开 > 法治政府建设年度报告\n"
        "\n"
        "大顺镇2025年法治政府建设年度报告\n"
        "县委依法治县办:\n"
        "2025年,大顺镇在区委、区政府的坚强领导下,深入践行习近平法治思想。\n"
    )
    meta = describe(text)
    assert (meta["town"], meta["level"], meta["county"], meta["year"]) == ("大顺镇", "镇", "涪陵区", 2025)
    assert (meta["page"]["publisher"], str(meta["page"]["published"])) == ("涪陵区大顺镇人民政府", "2026-01-16")
    assert meta["title"] == "大顺镇2025年法治政府建设年度报告"


@pytest.mark.parametrize(
    ("text", "town", "year"),
    [
        ("法治政府建设年度报告\n今年以来，青山镇深入学习贯彻习近平法治思想。\n", "青山镇", None),
        ("青山镇人民政府\n2024年度法治政府建设情况报告\n（2025年1月10日）\n2024年，我镇坚持依法行政。\n", "青山镇", 2024),
        ("2025年法治政府建设工作总结\n2025年，在县委县政府领导下，白云乡扎实推进法治建设。\n", "白云乡", 2025),
    ],
)
def test_town_from_the_opening_sentence(text, town, year):
    meta = describe(clean(text))
    assert meta["town"] == town
    if year:
        assert meta["year"] == year


# ----------------------------------------------------------------- bad input


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "empty": tmp_path / "empty.txt",
        "binary": tmp_path / "binary.txt",
        "undecodable": tmp_path / "undecodable.txt",
        "unsupported": tmp_path / "report.rtf",
        "bad_pdf": tmp_path / "report.pdf",
        "no_town": tmp_path / "no_town.txt",
    }
    files["empty"].write_bytes(b"  \n")
    files["binary"].write_bytes(bytes(range(256)) * 4)
    files["undecodable"].write_bytes(b"\xff\xfe\xfd" * 0 + bytes([0xFF, 0x80, 0xC1]) * 50)
    files["unsupported"].write_bytes(b"{\\rtf1 ...}")
    files["bad_pdf"].write_bytes(b"%PDF-1.4 ...")
    files["no_town"].write_text("今年以来，我们坚持依法行政，推进法治建设。\n", encoding="utf-8")
    return files


def test_bad_input_is_named_and_the_rest_loads(tmp_path):
    _bad_files(tmp_path)
    good = tmp_path / RAW_FILES[0].name
    good.write_bytes(RAW_FILES[0].read_bytes())
    twin = tmp_path / "zz_copy.txt"
    twin.write_bytes(RAW_FILES[0].read_bytes())
    reports, problems = load_corpus(tmp_path, warn=False)
    assert sorted(reports["doc_id"]) == sorted([RAW_FILES[0].stem, "no_town"])
    by_file = {Path(f).name: (p, a) for f, p, a in problems.itertuples(index=False)}
    no_town = problems[problems["file"].str.endswith("no_town.txt")]
    assert no_town[["problem", "action"]].values.tolist() == [
        [
            "town not found in the text: the reporting unit is not named in the title or the opening (town and level left empty)",
            "loaded; town left empty",
        ],
        ["year reported on not found", "loaded; year left empty"],
    ]
    assert by_file["empty.txt"] == ("is empty", "skipped")
    assert "binary" in by_file["binary.txt"][0] and by_file["binary.txt"][1] == "skipped"
    assert "cannot be decoded" in by_file["undecodable.txt"][0]
    assert "unsupported format (.rtf)" in by_file["report.rtf"][0]
    assert "damaged or truncated PDF" in by_file["report.pdf"][0]
    assert reports.set_index("doc_id").loc["no_town", "town"] is None  # empty, not the file name
    assert by_file["zz_copy.txt"][0] == f"duplicate: same text as {good}"
    assert list(problems.columns) == ["file", "problem", "action"]


def test_problems_go_to_stderr(tmp_path, capsys):
    _bad_files(tmp_path)
    load_corpus(tmp_path)
    err = capsys.readouterr().err
    assert "empty.txt: is empty (skipped)" in err
    assert "report.rtf: unsupported format (.rtf)" in err


def test_missing_path_and_empty_folder(tmp_path):
    reports, problems = load_corpus([tmp_path / "nope"], warn=False)
    assert reports.empty and list(reports.columns) == REPORT_COLUMNS
    assert problems.iloc[0]["problem"] == "does not exist"
    reports, problems = load_corpus(tmp_path, warn=False)
    assert reports.empty and problems.empty


def test_links_to_nothing_and_loops_of_links_are_named_not_dropped(tmp_path):
    (tmp_path / "real.txt").write_text((config.DATA_RAW / RAW_FILES[0]).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / "loop1.txt").symlink_to(tmp_path / "loop2.txt")
    (tmp_path / "loop2.txt").symlink_to(tmp_path / "loop1.txt")
    (tmp_path / "sub").mkdir()  # a subfolder is named: its reports are not read (issue 17)
    reports, problems = load_corpus(tmp_path, warn=False)
    assert reports["doc_id"].tolist() == ["real"]
    named = dict(zip(problems["file"].map(lambda f: Path(f).name), problems["problem"]))
    assert set(named) == {"gone.txt", "loop1.txt", "loop2.txt", "sub"}
    assert named["sub"].startswith("is a folder")
    assert named["gone.txt"] == "is a link to nothing"
    assert named["loop1.txt"].startswith("cannot be read") or named["loop1.txt"] == "is a link to nothing"


def test_broken_docx(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    reports, problems = load_corpus(path, warn=False)
    assert reports.empty
    assert "is not a readable .docx file" in problems.iloc[0]["problem"]


def test_loading_never_writes_under_data_raw(tmp_path):
    before = {p.name: p.stat().st_mtime_ns for p in config.DATA_RAW.iterdir()}
    load_corpus(config.DATA_RAW, warn=False)
    after = {p.name: p.stat().st_mtime_ns for p in config.DATA_RAW.iterdir()}
    assert before == after
