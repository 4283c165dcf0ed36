"""Citations of laws, regulations, documents and plans: found, normalised, typed, outdated flagged.

The expected names, kinds and flags were written by reading the sentences
(and the domain reference): e.g. 《信访条例》 was replaced by 《信访工作条例》
in 2022, the 七五 普法 plan ran 2016–2020, 中发〔2021〕33号 is the
纲要 (2021—2025年).
"""

from __future__ import annotations

import pandas as pd
import pytest

import analysis
from analysis import citations, config
from analysis.errors import LexiconError

CASES = [
    # sentence, year reported on, raw, name, kind, article, outdated
    (
        "严格落实《中华人民共和国行政处罚法》第三十三条规定，推行首违不罚。",
        2024,
        "《中华人民共和国行政处罚法》",
        "中华人民共和国行政处罚法",
        "law",
        "第三十三条",
        False,
    ),
    ("组织干部学习《行政处罚法》等法律法规。", 2024, "《行政处罚法》", "中华人民共和国行政处罚法", "law", "", False),
    (
        "全面落实《法治政府建设实施纲要(2021-2025年)》收官之年目标任务。",
        2025,
        "《法治政府建设实施纲要(2021-2025年)》",
        "法治政府建设实施纲要（2021—2025年）",
        "plan",
        "",
        False,
    ),
    (
        "对照《法治政府建设实施纲要（2021–2025）》查找差距。",
        2026,
        "《法治政府建设实施纲要（2021–2025）》",
        "法治政府建设实施纲要（2021—2025年）",
        "plan",
        "",
        True,
    ),
    ("重点宣传《憲法》《國家安全法》。", 2022, "《憲法》", "中华人民共和国宪法", "law", "", False),
    ("依照国办发[2022]27号文件要求开展清理。", 2023, "国办发[2022]27号", "国办发〔2022〕27号", "state", "", False),
    (
        "根据中发〔2021〕33号和厅字〔2019〕28号的要求编写本报告。",
        2023,
        "中发〔2021〕33号",
        "法治政府建设实施纲要（2021—2025年）",
        "plan",
        "",
        False,
    ),
    ("认真贯彻《信访条例》，畅通群众诉求渠道。", 2023, "《信访条例》", "信访工作条例", "party", "", True),
    ("认真贯彻《信访条例》，畅通群众诉求渠道。", 2021, "《信访条例》", "信访工作条例", "party", "", False),
    ("开展《婚姻法》宣传进村入户活动。", 2022, "《婚姻法》", "中华人民共和国民法典", "law", "", True),
    (
        "结合“七五”普法规划，采取多种形式宣传。",
        2021,
        "“七五”普法规划",
        "关于开展法治宣传教育的第七个五年规划（2016—2020年）",
        "plan",
        "",
        True,
    ),
    (
        "紧扣“八五”普法规划要求开展精准普法。",
        2025,
        "“八五”普法规划",
        "关于开展法治宣传教育的第八个五年规划（2021—2025年）",
        "plan",
        "",
        False,
    ),
    (
        "依据《督察工作规定》第二十四条，报告于4月1日前公开。",
        2023,
        "《督察工作规定》",
        "法治政府建设与责任落实督察工作规定",
        "party",
        "第二十四条",
        False,
    ),
    (
        "对照《嘉善县法治政府建设实施纲要(2021-2025年)》推进。",
        2026,
        "《嘉善县法治政府建设实施纲要(2021-2025年)》",
        "嘉善县法治政府建设实施纲要（2021—2025年）",
        "local",
        "",
        True,
    ),
    (
        "制定《六郎镇关于规范合同法律审查工作实施办法》。",
        2024,
        "《六郎镇关于规范合同法律审查工作实施办法》",
        "六郎镇关于规范合同法律审查工作实施办法",
        "local",
        "",
        False,
    ),
    ("严格执行《重大行政决策程序暂行条例》。", 2024, "《重大行政决策程序暂行条例》", "重大行政决策程序暂行条例", "regulation", "", False),
]


def _reports(sentence: str, year: int) -> pd.DataFrame:
    return pd.DataFrame({"doc_id": ["t"], "town": ["某镇"], "year": [year], "text": [sentence]})


@pytest.mark.parametrize(("sentence", "year", "raw", "name", "kind", "article", "outdated"), CASES)
def test_citation_read_by_hand(sentence, year, raw, name, kind, article, outdated):
    table = citations.extract(_reports(sentence, year))
    row = table[table["raw"] == raw]
    assert len(row) == 1, table[["raw", "name"]]
    row = row.iloc[0]
    assert (row["name"], row["kind"], row["article"], bool(row["outdated"])) == (name, kind, article, outdated)
    assert row["sentence"] == sentence
    assert row["kind_label"]
    assert bool(row["reason"]) == outdated or row["reason"].startswith("所写规划期")


def test_article_number_and_reason():
    table = citations.extract(_reports("依据《督察工作规定》第二十四条公开报告。", 2023))
    assert table["article_no"].iloc[0] == 24
    old = citations.extract(_reports("认真贯彻《信访条例》。", 2023))
    assert "信访工作条例" in old["reason"].iloc[0]


def test_inner_title_of_a_forwarding_notice_is_cited_too():
    text = "认真学习《中共中央办公厅 国务院办公厅关于印发〈法治政府建设与责任落实督察工作规定〉的通知》。"
    table = citations.extract(_reports(text, 2022))
    assert "法治政府建设与责任落实督察工作规定" in set(table["name"])
    assert len(table) == 2


def test_not_documents_and_plain_quotes_are_no_citations():
    table = citations.extract(_reports("深入学习《习近平法治思想》，落实“谁执法谁普法”责任制。", 2024))
    assert table.empty
    assert list(table.columns) == citations.COLUMNS


def test_wrong_period_is_noted():
    table = citations.extract(_reports("落实《法治政府建设实施纲要(2022—2025年)》。", 2025))
    assert table["name"].iloc[0] == "法治政府建设实施纲要（2021—2025年）"
    assert "2022—2025" in table["reason"].iloc[0]


def test_a_real_report_by_reading():
    # 双庙镇 2025: 紧扣“八五”普法规划要求 … 重点宣传《民法典》《信访工作条例》
    reports = analysis.load_corpus(config.DATA_RAW / "003_3f8b128c9f1ece00.txt", warn=False).reports
    table = citations.extract(reports)
    assert list(table["name"]) == [
        "关于开展法治宣传教育的第八个五年规划（2021—2025年）",
        "中华人民共和国民法典",
        "信访工作条例",
    ]
    assert not table["outdated"].any()
    assert (table["town"] == "双庙镇").all()


def test_counts_per_town_and_kind_by_year():
    reports = analysis.load_corpus(config.DATA_RAW, warn=False).reports
    table = citations.extract(reports)
    per_town = citations.counts(table, by="town")
    assert list(per_town.columns) == ["town", *citations.COUNT_COLUMNS]
    shuangmiao = per_town[per_town["town"] == "双庙镇"]
    assert shuangmiao["n"].sum() == 3
    overall = citations.counts(table)
    assert overall["n"].sum() == len(table)
    by_year = citations.by_kind_and_year(table)
    assert by_year.drop(columns="year").to_numpy().sum() == len(table)


@pytest.mark.parametrize(
    ("content", "entry"),
    [
        ("kinds: {law: 法律}\ndocuments: [{name: 甲法, kind: law}]\n", "kinds: regulation"),
        (
            "kinds: {law: 法律, regulation: 行政法规, party: 党, state: 国, plan: 规划, local: 地方, other: 其他}\n"
            "documents: [{name: 甲法, kind: law}, {name: 甲法, kind: law}]\n",
            "documents: 甲法",
        ),
        (
            "kinds: {law: 法律, regulation: 行政法规, party: 党, state: 国, plan: 规划, local: 地方, other: 其他}\n"
            "documents: [{name: 乙规划, kind: treaty}]\n",
            "documents: 乙规划",
        ),
        (
            "kinds: {law: 法律, regulation: 行政法规, party: 党, state: 国, plan: 规划, local: 地方, other: 其他}\n"
            "documents: [{name: 丙纲要, kind: plan, period: [2025, 2021]}]\n",
            "documents: 丙纲要",
        ),
        (
            "kinds: {law: 法律, regulation: 行政法规, party: 党, state: 国, plan: 规划, local: 地方, other: 其他}\n"
            "documents: [{name: 甲法, kind: law}]\nbare: {丁规划: 没有这个文件}\n",
            "bare: 丁规划",
        ),
    ],
)
def test_bad_table_names_the_entry(tmp_path, content, entry):
    path = tmp_path / "citations.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError) as error:
        citations.load_table(path)
    assert entry in str(error.value)
    assert str(path) in str(error.value)


def test_the_project_table_loads():
    table = citations.load_table()
    assert "中华人民共和国行政处罚法" in table.documents
    assert table.numbers["中发〔2021〕33号"] == "法治政府建设实施纲要（2021—2025年）"


@pytest.mark.parametrize(
    "line",
    ["备注/文号: 将镛委〔2025〕5号", "[ 发文字号 ] 鸡鸣委文〔2026〕3号", "文号：雷东府〔2025〕26号", "雷东府〔2025〕26号"],
)
def test_the_pages_own_document_number_is_no_citation(line):
    # furniture lines of corpus-dev pages (d010, d024), the same label with a full-width colon, a number alone on its line (d043)
    assert citations.extract(_reports(line + "\n正文。", 2025)).empty
