"""The corpus as users bring it: saved pages, pasted page text, PDF, Word 97/WPS, bad files — one batch.

Fixtures are built here around the opening of a real report of data/raw
(神树镇): a saved page with site furniture, the same page's text pasted into a
.txt, a PDF of the report, a .doc when LibreOffice is installed, and a bad
file of each type.  The batch loads what it can and names the rest.
"""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest
from conftest import word97

from analysis import loaders
from analysis.corpus import REPORT_COLUMNS, load_corpus
from tests.test_loaders import BODY, TITLE, article, make_pdf, page

PAGE_COLUMNS = ["publisher", "published", "index_no", "doc_no", "source_url"]


def pasted_text(html: str) -> str:
    """What a user gets by selecting the whole page in a browser and pasting it."""
    return "\n".join(loaders._lines(lxml.html.fromstring(html).xpath("//body")[0]))


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch")
    html = page(article(BODY), head='<meta charset="utf-8"><link rel="canonical" href="https://example.org/zwgk/1.html">')
    (folder / "a_page.html").write_text(html, encoding="utf-8")
    (folder / "b_pasted.txt").write_text(pasted_text(html), encoding="utf-8")
    other = [line.replace("神树镇", "青石镇") for line in [TITLE, *BODY[:4]]]
    (folder / "c_report.pdf").write_bytes(make_pdf(other))
    (folder / "d_cut.pdf").write_bytes(make_pdf(other)[:900])
    (folder / "e_scan.pdf").write_bytes(make_pdf([], image_only=True))
    (folder / "f_nobody.html").write_text("<html><head><title>某某县人民政府</title></head></html>", encoding="utf-8")
    (folder / "g_nav.html").write_text(
        page("<ul>" + "".join(f"<li><a href='/{i}'>第{i}条新闻</a></li>" for i in range(30)) + "</ul>"), encoding="utf-8"
    )
    (folder / "h_unnamed.txt").write_text(
        "区委、区政府：\n2024年，我镇在区委、区政府的坚强领导下，扎实推进依法行政，取得新成效。\n一、主要举措\n", encoding="utf-8"
    )
    (folder / "i_broken.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00garbage" * 50)
    return folder, load_corpus(folder, warn=False)


def test_the_batch_goes_on(batch):
    _, (reports, problems) = batch
    assert list(reports.columns) == REPORT_COLUMNS
    assert set(PAGE_COLUMNS) <= set(REPORT_COLUMNS)
    assert reports["doc_id"].tolist() == ["a_page", "c_report", "h_unnamed"]
    named = {p.split("/")[-1]: (problem, action) for p, problem, action in problems.itertuples(index=False)}
    assert "damaged or truncated" in named["d_cut.pdf"][0]
    assert "needs OCR" in named["e_scan.pdf"][0]
    assert "no text in its body" in named["f_nobody.html"][0]
    assert "only navigation" in named["g_nav.html"][0]
    assert "i_broken.doc" in named
    assert all(named[f][1] == "skipped" for f in ("d_cut.pdf", "e_scan.pdf", "f_nobody.html", "g_nav.html", "i_broken.doc"))


def test_the_same_report_as_page_and_pasted_text_is_a_duplicate(batch):
    folder, (_, problems) = batch
    row = problems[problems["file"].str.endswith("b_pasted.txt")].iloc[0]
    assert row["problem"] == f"duplicate: the same report as {folder / 'a_page.html'}"
    assert row["action"] == "skipped"


def test_page_columns(batch):
    _, (reports, _) = batch
    row = reports.set_index("doc_id").loc["a_page"]
    assert (row["town"], row["level"], row["year"], row["title"]) == ("神树镇", "镇", 2025, TITLE)
    assert row["publisher"] == "神树镇人民政府"
    assert row["published"] == dt.date(2026, 1, 20)
    assert row["index_no"] == "11330000/2025-00012"
    assert row["doc_no"] == "神政发〔2026〕3号"
    assert row["source_url"] == "https://example.org/zwgk/1.html"
    assert row["encoding"] == "html (utf-8)"
    pdf = reports.set_index("doc_id").loc["c_report"]
    assert (pdf["town"], pdf["year"], pdf["encoding"]) == ("青石镇", 2025, "pdf")
    assert all(pdf[c] is None or pdf[c] != pdf[c] for c in PAGE_COLUMNS)  # none in a PDF without furniture


def test_an_unnamed_town_is_empty_and_said(batch):
    _, (reports, problems) = batch
    row = reports.set_index("doc_id").loc["h_unnamed"]
    assert row["town"] is None or row["town"] != row["town"]  # empty, not the file name
    assert (row["level"], row["year"]) == ("镇", 2024)
    said = problems[problems["file"].str.endswith("h_unnamed.txt")]
    assert said["problem"].str.contains("镇").any() and said["action"].str.contains("town left empty").any()


@pytest.mark.skipif(loaders.soffice() is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it")
@pytest.mark.slow
def test_doc_in_a_batch(tmp_path):
    source = tmp_path / "src" / "report.txt"
    source.parent.mkdir()
    source.write_text("\n".join([TITLE, *BODY]), encoding="utf-8")
    word97(source, tmp_path / "in", profile=tmp_path / "profile")
    reports, problems = load_corpus(tmp_path / "in", warn=False)
    assert problems.empty
    assert (reports.iloc[0]["town"], reports.iloc[0]["year"], reports.iloc[0]["encoding"]) == ("神树镇", 2025, "doc (LibreOffice)")


def test_an_unnamed_town_is_shown_by_its_doc_id_in_town_tables(batch):
    from analysis import indicators
    from analysis.corpus import UNNAMED, town_labels

    _, (reports, _) = batch
    assert town_labels(reports).tolist() == ["神树镇", "青石镇", "h_unnamed" + UNNAMED]
    table = indicators.pivot(indicators.extract(reports), reports)
    assert "h_unnamed" + UNNAMED in table.index  # not dropped, no error on the empty town


def test_cli_corpus_shows_the_page_columns(batch):
    import json
    import subprocess
    import sys

    folder, _ = batch
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "corpus", str(folder / "a_page.html"), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    row = json.loads(result.stdout)[0]
    assert (row["publisher"], row["published"], row["doc_no"]) == ("神树镇人民政府", "2026-01-20", "神政发〔2026〕3号")
