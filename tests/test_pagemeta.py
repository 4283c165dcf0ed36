"""Page metadata from furniture lines and saved pages (lines written for the test)."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis import pagemeta
from analysis.errors import LexiconError

D = dt.date

CASES = [
    # (id, head of a pasted page, publisher, published, index_no, doc_no)
    (
        "list with spaced labels",
        "- 索 引 号:410100/2025-00031\n- 发布机构:青石镇\n- 成文时间:2025年01月21日\n- 文 号:无\n正文第一句。",
        "青石镇",
        D(2025, 1, 21),
        "410100/2025-00031",
        None,
    ),
    (
        "pipe table",
        "索 引 号: | abc01/2025-0000012 | 公开目录: | 法治政府建设 |\n成文日期: | 2025-02-14 | 发布日期: | 2025-02-16 |\n发布机构: | 安平县东坪乡 |",
        "安平县东坪乡",
        D(2025, 2, 16),
        "abc01/2025-0000012",
        None,
    ),
    (
        "bracketed labels",
        "- [ 索引号 ] 1150/2026-00004\n- [ 发文字号 ] 东委文〔2026〕3号\n- [ 发布机构 ] 东坪乡人民政府\n- [ 发布日期 ] 2026-02-12",
        "东坪乡人民政府",
        D(2026, 2, 12),
        "1150/2026-00004",
        "东委文〔2026〕3号",
    ),
    (
        "one line of several labels, 发布日期 beats 成文日期",
        "成文日期:2025-01-02 来源:本网  发布日期:2025-01-07 15:15:56",
        "本网",
        D(2025, 1, 7),
        None,
        None,
    ),
    ("date label without a colon", "来源:云岭县司法局 作者: 发布时间 2025年09月05日 点击数:", "云岭县司法局", D(2025, 9, 5), None, None),
    ("empty source, bare time", "来源:       时间:2021-03-30     点击数: 人次", None, D(2021, 3, 30), None, None),
    ("publisher before a date label", "云岭县人民政府 发布时间: 2026-03-03 09:36", "云岭县人民政府", D(2026, 3, 3), None, None),
    (
        "spam injected before the publisher",
        "发布日期:2025-01-15 16:12:17  来源:某某娱乐-在线app官网【某某】@清泉镇浏览量:",
        "清泉镇",
        D(2025, 1, 15),
        None,
        None,
    ),
    (
        "masked values are no values",
        "索引号: ******/****** 公开方式: 主动公开\n成文日期: **********\n日期:**** 来源:党政办",
        "党政办",
        None,
        None,
        None,
    ),
    ("document number alone on a line", "南东府〔2024〕18号\n2024年以来，我镇扎实推进依法行政。", None, None, None, "南东府〔2024〕18号"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_parse_text(case):
    _, text, publisher, published, index_no, doc_no = case
    got = pagemeta.parse_text(text)
    assert (got["publisher"], got["published"], got["index_no"], got["doc_no"]) == (publisher, published, index_no, doc_no)


def test_body_sentences_are_not_furniture():
    text = "青石镇2024年法治政府建设年度报告\n2024年，青石镇利用群众休息时间:开展普法宣传30场次，来源:各村报送。\n一、主要举措"
    got = pagemeta.parse_text(text)
    assert got["published"] is None and got["publisher"] is None and got["lines"] == ()


def test_furniture_lines_are_numbered():
    text = (
        "您当前的位置：首页 > 政务公开\n青石镇2024年法治政府建设年度报告\n发布日期: 2025-01-29 浏览次数:\n2024年，青石镇扎实推进依法行政。"
    )
    assert pagemeta.parse_text(text)["lines"] == (0, 2)  # the breadcrumb and the date line
    assert pagemeta.is_furniture_line("您当前的位置：首页 > 政务公开")
    assert not pagemeta.is_furniture_line("青石镇2024年法治政府建设年度报告")


def test_parse_html_meta_and_canonical():
    page = (
        '<html><head><meta name="ArticleTitle" content="青石镇2024年法治政府建设年度报告">'
        '<meta name="PubDate" content="2025-01-20 09:30"><meta name="ContentSource" content="青石镇人民政府">'
        '<link rel="canonical" href="https://example.org/a/1.html"></head><body><p>正文。</p></body></html>'
    )
    got = pagemeta.parse_html(page)
    assert got == {
        "publisher": "青石镇人民政府",
        "published": D(2025, 1, 20),
        "title": "青石镇2024年法治政府建设年度报告",
        "source_url": "https://example.org/a/1.html",
    }
    og = pagemeta.parse_html('<html><head><meta property="og:url" content="https://example.org/b.html"></head><body>x</body></html>')
    assert og["source_url"] == "https://example.org/b.html"


def test_rules_are_checked(tmp_path):
    bad = tmp_path / "page_furniture.yml"
    text = pagemeta.FURNITURE_FILE.read_text(encoding="utf-8")
    bad.write_text(text.replace("  index_no:\n", "  index_number:\n"), encoding="utf-8")
    with pytest.raises(LexiconError, match="unknown field"):
        pagemeta.load_rules(bad)
    bad.write_text(text.replace("    - 索引号\n", "    - 索引号\n    - 来源\n"), encoding="utf-8")
    with pytest.raises(LexiconError, match="listed twice"):
        pagemeta.load_rules(bad)
