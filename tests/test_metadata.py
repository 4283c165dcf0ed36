"""Town, level, county, year and title of report openings as users bring them.

Every opening below was written for this test (invented towns, real shapes:
furniture before the title, a repeated title, an addressee line, a document
number, a unit named only in the body, county- and street-level reports,
masked digits, traditional characters).  Expected values come from reading them.
"""

from __future__ import annotations

import pytest

from analysis import metadata, places
from analysis.errors import LexiconError

BODY = (
    "深入学习贯彻习近平法治思想，扎实推进依法行政，法治政府建设取得新成效。现将有关情况报告如下：\n一、主要举措和成效\n（一）强化组织领导。"
)

CASES = [
    # (id, text, town, level, county, year, title)
    (
        "plain title",
        "青石镇2024年法治政府建设年度报告\n2024年，青石镇在县委、县政府的坚强领导下，" + BODY,
        "青石镇",
        "镇",
        None,
        2024,
        "青石镇2024年法治政府建设年度报告",
    ),
    (
        "furniture list before the title, published the next year",
        "- 索 引 号:110000/2025-00012\n- 发布机构:白沙乡\n- 成文日期:2025年02月03日\n- 标 题:白沙乡2024年度法治政府建设情况报告\n"
        "白沙乡2024年度法治政府建设情况报告\n2024年，白沙乡" + BODY,
        "白沙乡",
        "乡",
        None,
        2024,
        "白沙乡2024年度法治政府建设情况报告",
    ),
    (
        "title repeated, the county government published it",
        "柳河街道2023年法治政府建设报告\n云岭县人民政府 发布时间: 2024-01-09 10:00\n柳河街道2023年法治政府建设报告\n2023年，柳河街道"
        + BODY,
        "柳河街道",
        "街道",
        "云岭县",
        2023,
        "柳河街道2023年法治政府建设报告",
    ),
    (
        "chain of units in the title with organs between",
        "云岭县人民政府石门街道办事处关于2022年度法治政府建设情况的报告\n时间:2023-02-01 09:12 浏览量:3\n2022年，我街道" + BODY,
        "石门街道",
        "街道",
        "云岭县",
        2022,
        "云岭县人民政府石门街道办事处关于2022年度法治政府建设情况的报告",
    ),
    (
        "title over two lines",
        "松山县人民政府\n2023年度法治政府建设情况报告\n2023年，县政府" + BODY,
        "松山县",
        "县",
        "松山县",
        2023,
        "松山县人民政府2023年度法治政府建设情况报告",
    ),
    (
        "no title, addressee line, town only in the body",
        "区委、区政府:\n2025年，在区委、区政府的坚强领导下，我镇" + BODY + "将法治建设纳入了杏林镇发展规划。",
        "杏林镇",
        "镇",
        None,
        2025,
        "",
    ),
    (
        "document number as first line, superior county in the body",
        "南东府〔2024〕18号\n2024年以来，在平川市委、市政府的坚强领导下，我镇" + BODY + "南湾镇深入贯彻全面依法治国战略。",
        "南湾镇",
        "镇",
        "平川市",
        2024,
        "",
    ),
    (
        "addressee names the county",
        "中共安平县委员会，安平县人民政府：\n2022年，东坪乡" + BODY,
        "东坪乡",
        "乡",
        "安平县",
        2022,
        "",
    ),
    (
        "unit line above the title, addressee below it",
        "石桥镇人民政府\n关于2023年度法治政府建设情况的报告\n平安县人民政府：\n2023年，我镇" + BODY,
        "石桥镇",
        "镇",
        "平安县",
        2023,
        "石桥镇人民政府关于2023年度法治政府建设情况的报告",
    ),
    (
        "the title below, the unit signing under it",
        "2024年度法治政府建设情况报告\n中共清河镇委员会 清河镇人民政府\n（2025年1月10日）\n2024年，清河镇" + BODY,
        "清河镇",
        "镇",
        None,
        2024,
        "2024年度法治政府建设情况报告",
    ),
    (
        "苏木 and a year in Chinese numerals",
        "巴音苏木二〇二四年法治政府建设工作总结\n二〇二四年，我苏木在旗委、旗政府领导下，" + BODY,
        "巴音苏木",
        "苏木",
        None,
        2024,
        "巴音苏木二〇二四年法治政府建设工作总结",
    ),
    (
        "county-level report, named only in a document title of the body",
        "根据有关规定，现将县人民政府2021年法治政府建设工作情况报告如下。\n一、主要成效\n2021年，县人民政府坚持依法行政，制定《河阳县人民政府常务会议学法制度》。",
        "河阳县",
        "县",
        "河阳县",
        2021,
        "",
    ),
    (
        "the unit never named: level only, town empty",
        "2024年，我镇在上级党委、政府的坚强领导下，" + BODY,
        None,
        "镇",
        None,
        2024,
        "",
    ),
    (
        "year of the report sentence, not of an earlier clause",
        "在新区党工委的领导下，我乡在2022年工作基础上稳步提升。现将我乡2023年法治政府建设情况报告如下。\n一、压实责任",
        None,
        "乡",
        None,
        2023,
        "",
    ),
    (
        "masked digits in the body, year from the title",
        "竹溪街道2025年法治政府建设年度报告\n索引号: ******/**** 公开方式: 主动公开\n****年，竹溪街道" + BODY,
        "竹溪街道",
        "街道",
        None,
        2025,
        "竹溪街道2025年法治政府建设年度报告",
    ),
    (
        "a traditional town is named in simplified form (one town whatever the script)",
        "2022年，在區委、區政府的正確領導下，三溪鎮堅持以習近平新時代中國特色社會主義思想為指導，全面推進依法行政。現將有關情況報告如下：",
        "三溪镇",
        "镇",
        None,
        2022,
        "",
    ),
    (
        "a site header before the title is not the title",
        "欢迎您! 用户登录 网站无障碍\n图片\n首页 > 信息公开 > 法治政府建设\n清泉镇2024年度法治政府建设情况报告\n发布日期:2025-01-15 来源:清泉镇\n2024年，清泉镇"
        + BODY,
        "清泉镇",
        "镇",
        None,
        2024,
        "清泉镇2024年度法治政府建设情况报告",
    ),
    (
        "prefecture city answering to the province has no county",
        "中共临江市委临江市人民政府关于2023年度法治政府建设工作情况的报告\n省委、省政府:\n2023年，在省委、省政府的坚强领导下，临江市委、市政府"
        + BODY,
        "临江市",
        "市",
        None,
        2023,
        "中共临江市委临江市人民政府关于2023年度法治政府建设工作情况的报告",
    ),
    (
        "chain in a document name gives the county",
        "2023年，桂园街道在区委区政府的坚强领导下，" + BODY + "修订了《中共江州市江北区桂园街道党工委议事规则》。",
        "桂园街道",
        "街道",
        "江北区",
        2023,
        "",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_describe(case):
    _, text, town, level, county, year, title = case
    got = metadata.describe(text)
    assert (got["town"], got["level"], got["county"], got["year"], got["title"]) == (town, level, county, year, title)


@pytest.mark.parametrize(
    ("title", "town", "level", "county"),
    [
        ("杭锦后旗双庙镇2025年法治政府建设情况报告", "双庙镇", "镇", "杭锦后旗"),
        ("2025年度乌马河镇法治政府建设工作情况汇报", "乌马河镇", "镇", None),
        ("中共树人镇委员会 树人镇人民政府关于2025年度法治政府建设情况的报告", "树人镇", "镇", None),
        ("关于2024年度城关街道法治政府建设情况的报告", "城关街道", "街道", None),
        ("静海区2023年法治政府建设年度报告", "静海区", "区", "静海区"),
        ("乡宁县昌宁镇2025年法治政府建设年度报告", "昌宁镇", "镇", "乡宁县"),
        ("镇安镇2021年法治政府建设年度报告", "镇安镇", "镇", None),
        ("遂宁市船山区永兴镇人民政府关于2025年法治政府建设情况的报告", "永兴镇", "镇", "船山区"),
        ("宝鸡市陈仓区虢镇2025年法治政府建设年度报告", None, None, None),  # a one-character name at the end of a chain is not guessed
        ("虢镇2025年法治政府建设年度报告", "虢镇", "镇", None),  # alone at the head of a title it is the name
        ("彭水苗族土家族自治县保家镇2024年法治政府建设情况报告", "保家镇", "镇", "彭水苗族土家族自治县"),
    ],
)
def test_place_in_a_title(title, town, level, county):
    place = metadata.place_from_title(title, places.load_places())
    if town is None:
        assert place is None or len(place.name) > 3 and "虢" not in place.name
    else:
        assert (place.name, place.level, place.county) == (town, level, county)


def test_no_clause_fragment_as_town():
    # the blind loader returned 现将县 and 认真落实市 for openings like these
    for text in (
        "根据有关规定，现将县人民政府2022年法治政府建设工作情况报告如下。\n一、主要成效\n2022年，县人民政府坚持依法行政。",
        "2022年，区政府坚持以习近平法治思想为指导，认真落实市委部署要求，推进法治政府建设。",
    ):
        got = metadata.describe(text)
        assert got["town"] is None
        assert got["level"] in ("县", "区")
        assert got["problems"], "a missing name is said in the problems"


def test_problems_say_what_is_missing():
    got = metadata.describe("2024年，我镇在上级党委、政府的坚强领导下，" + BODY)
    assert got["town"] is None and any("镇" in p and "town" in p for p in got["problems"])
    got = metadata.describe("法治政府建设工作报告\n我镇扎实推进依法行政，取得新成效。")
    assert got["year"] is None and any("year" in p for p in got["problems"])


def test_full_width_and_half_width_read_alike():
    half = "白云镇2024年法治政府建设年度报告\n2024年,白云镇在县委、县政府的坚强领导下,扎实推进依法行政。现将有关情况报告如下:"
    full = half.replace(",", "，").replace(":", "：").replace("2024", "２０２４")
    a, b = metadata.describe(half), metadata.describe(full)
    assert (a["town"], a["level"], a["year"]) == (b["town"], b["level"], b["year"]) == ("白云镇", "镇", 2024)
    assert b["title"] == "白云镇２０２４年法治政府建设年度报告"  # quoted as written


def test_places_file_is_checked(tmp_path):
    bad = tmp_path / "places.yml"
    bad.write_text("town_suffixes:\n  镇: 村\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="town_suffixes"):
        places.load_places(bad)
    bad.write_text(places.PLACES_FILE.read_text(encoding="utf-8").replace("  - 城区\n", "  - 城区\n  - 城区\n"), encoding="utf-8")
    with pytest.raises(LexiconError, match="listed twice"):
        places.load_places(bad)


def test_fingerprint_same_report_however_saved():
    body = "2024年，青石镇在县委、县政府的坚强领导下，扎实推进依法行政。\n一、主要举措和成效\n（一）强化组织领导，压实工作责任。"
    saved = "青石镇2024年法治政府建设年度报告\n" + body
    pasted = (
        "您当前的位置：首页 > 政务公开 > 法治政府建设\n索引号：1100/2025-01 发布机构：青石镇\n"
        "青石镇2024年法治政府建设年度报告\n发布日期：2025-01-20 浏览次数：12\n"
        + body.replace("，", ",").replace("。", "。 ")
        + "\n分享到：微信 微博\n相关链接\n青石镇召开安全生产会议 2025-01-02\n"
    )
    traditional = "青石鎮2024年法治政府建設年度報告\n2024年，青石鎮在縣委、縣政府的堅強領導下，扎實推進依法行政。\n一、主要舉措和成效\n（一）強化組織領導，壓實工作責任。"
    assert metadata.fingerprint(saved) == metadata.fingerprint(pasted) == metadata.fingerprint(traditional)
    other = saved.replace("压实工作责任", "健全工作机制")
    assert metadata.fingerprint(other) != metadata.fingerprint(saved)


def test_head_spans_past_furniture_title_and_addressee():
    text = "索引号：1100/2025-01\n发布机构：青石镇\n青石镇人民政府\n关于2024年度法治政府建设情况的报告\n县委、县政府：\n2024年，我镇扎实推进依法行政。"
    title, body = metadata.head_spans(text)
    assert text[title[0] : title[1]] == "青石镇人民政府\n关于2024年度法治政府建设情况的报告"
    assert text[body:].startswith("2024年，我镇")
    no_title = "区委、区政府：\n2024年，我镇扎实推进依法行政。"
    title, body = metadata.head_spans(no_title)
    assert title is None and no_title[body:].startswith("2024年")


def test_head_spans_pass_a_saved_pages_buttons_under_the_title():
    # the shape of a county site's saved page: eight labelled lines, the title, then a date, the font-size
    # buttons (大 中 小) and a share link before the first sentence of the report
    labels = ["索引号", "发文字号", "发布机构", "主题分类", "成文日期", "发布日期", "体裁分类", "有效性"]
    page = "".join(f"- [ {label} ] 其他\n" for label in labels)
    text = page + "青石乡人民政府2025年法治政府建设情况报告\n- 日期:2026-02-12\n-\n大\n中\n小\n- 分享到 :\n2025年，青石乡扎实推进依法行政。"
    title, body = metadata.head_spans(text)
    assert text[title[0] : title[1]] == "青石乡人民政府2025年法治政府建设情况报告"
    assert text[body:].startswith("2025年，青石乡")


def test_head_spans_keep_untitled_lines_in_the_body():
    for text in ("开展专项执法检查１５次", "今年以来\n开展专项执法检查15次"):
        title, body = metadata.head_spans(text)
        assert title is None and body == 0
    text = "海滨街 2020 年法治政府建设情况报告 2020 年,在区委、区政府的正确领导下,海滨街严格依法行政。"
    title, body = metadata.head_spans(text)
    assert text[title[0] : title[1]] == "海滨街 2020 年法治政府建设情况报告" and body == title[1]
