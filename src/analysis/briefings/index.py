"""The index page of a run: what the corpus holds, every briefing with its state, how the run was made.

Every piece of text from the reports is escaped; the page loads nothing from outside.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from .. import display
from ..tables import records
from .contents import add_contents
from .pages import FONT_MARKER, embed_font
from .plan import Briefing

INDEX_NAME = "index.html"
PROJECT_TITLE = "法治政府建设年度报告"


_INDEX_STYLE = """
body { font-family: "AnalysisCJK", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif;
       max-width: 1100px; margin: 0 auto; padding: 1.5rem 2rem 3rem; color: #222; line-height: 1.6; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 14px; } th, td { border: 1px solid #ccc; padding: .3rem .6rem; text-align: left; }
th { background: #f3f3f3; white-space: nowrap; } td.num { text-align: right; } .failed { color: #b00020; } .muted { color: #666; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; } dt { color: #555; } dd { margin: 0; } .code { font-family: "AnalysisCJK", ui-monospace, monospace; word-break: break-all; }
.analysis-toc { border: 1px solid #ddd; background: #fafafa; padding: .5rem 1rem; margin: 1rem 0; font-size: 14px; }
.analysis-toc-title { font-weight: bold; margin: 0 0 .2rem; } .analysis-toc ol { margin: 0; padding-left: 1.6rem; }
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print { body { max-width: none; padding: 0; font-size: 11px; } h2 { break-after: avoid; }
  table { width: 100%; font-size: 9pt; } td { overflow-wrap: anywhere; } tr { break-inside: avoid; } a { color: inherit; text-decoration: none; } }
"""


def _value(value: object) -> str:
    """A parameter's value as a reader writes it: lists joined with 、, True/False as 是/否, nothing as 无."""
    if value is None:
        return "无"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(_value(v) for v in value) or "无"
    return str(value)


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>" for i, cell in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def index_html(
    reports: pd.DataFrame,
    problems: pd.DataFrame,
    briefings: Sequence[Briefing],
    summary: pd.DataFrame,
    *,
    meta: Mapping[str, object],
    flags: pd.DataFrame | None = None,
) -> str:
    """The index page: what the corpus holds, every briefing with its state, and how the run was made.

    *flags* (``flags.flags``) are listed up front, under 需要先看的报告.
    Every piece of text from the reports is escaped.
    """
    esc = html.escape
    done = {row.briefing: row for row in records(summary)}

    def entry(briefing: Briefing) -> str:
        link = f'<a href="{esc(quote(briefing.html.name))}">{esc(briefing.title)}</a>'
        row = done.get(briefing.name)
        if row is None:
            return (
                link + ' <span class="muted">（本次未重建）</span>'
                if briefing.html.exists()
                else f'{esc(briefing.title)} <span class="muted">（尚未生成）</span>'
            )
        if row.status == "failed":
            kept = f"{link}（上次生成的版本）" if briefing.html.exists() else esc(briefing.title)
            return f'{kept} <span class="failed">本次生成失败：{esc(row.message)}</span>'
        return f'{link} <span class="muted">（{row.seconds:.1f} 秒）</span>'

    corpus_items = [f"<li>{entry(b)}</li>" for b in briefings if b.town is None]
    towns = list(dict.fromkeys(t for t in reports["town"] if isinstance(t, str) and t))
    town_rows = [
        [esc(town), "<br>".join(entry(b) for b in briefings if b.town == town)] for town in towns if any(b.town == town for b in briefings)
    ]
    years = sorted({int(y) for y in reports["year"].dropna()}) if len(reports) else []
    facts = [
        f"{len(reports)} 份报告",
        f"{len(towns)} 个乡镇" if towns else "未识别出乡镇",
        f"年度 {years[0]}–{years[-1]}" if len(years) > 1 else (f"年度 {years[0]}" if years else "年度未识别"),
        f"共 {int(reports['n_chars'].sum()):,} 字" if len(reports) else "",
    ]
    report_rows = [
        [
            esc(str(r.town if isinstance(r.town, str) else "（未识别）")),
            esc("" if pd.isna(r.year) else str(int(r.year))),
            esc(str(r.title)),
            f"{int(r.n_chars):,}",
            esc(Path(r.path).name),
        ]
        for r in records(reports.sort_values(["doc_id"]))
    ]
    no_town = [esc(Path(r.path).name) for r in records(reports) if not isinstance(r.town, str) or not r.town]
    parts = [
        f"<h1>{esc(PROJECT_TITLE)}简报 · 目录</h1>",
        f"<p>{esc('，'.join(f for f in facts if f))}。</p>",
        "<h2>语料简报</h2>",
        f"<ul>{''.join(corpus_items)}</ul>" if corpus_items else '<p class="muted">没有语料简报。</p>',
        "<h2>乡镇简报</h2>",
        _table(["乡镇", "简报"], town_rows)
        if town_rows
        else '<p class="muted">没有乡镇简报（语料中没有识别出乡镇，或 notebooks/ 中没有带 town 参数的笔记本）。</p>',
    ]
    if flags is not None:
        from ..flags import readable

        shown = readable(flags)
        parts.append("<h2>需要先看的报告</h2>")
        parts.append(
            _table(list(shown.columns), ([esc(str(v)) for v in r] for r in records(shown)))
            if len(shown)
            else '<p class="muted">没有发现需要先看的报告（抄用其他报告、正文写的是其他乡镇、标题年度不符、不可能的数字）。</p>'
        )
    if no_town:
        parts.append(f'<p class="muted">未识别出乡镇、因此没有乡镇简报的报告：{"、".join(no_town)}</p>')
    parts += [
        "<h2>报告</h2>",
        _table(["乡镇", "年度", "标题", "字数", "文件"], report_rows, numeric=[3]) if report_rows else "<p>没有可读的报告。</p>",
    ]
    if len(problems):
        parts += [
            "<h2>读取问题</h2>",
            _table(
                ["文件", "问题", "处理"],
                ([esc(str(v)) for v in r] for r in records(problems[["file", "problem", "action"]])),
            ),
        ]
    params = meta.get("parameters") or {}
    parts += [
        "<h2>本次生成</h2>",
        "<dl>",
        f"<dt>生成时间</dt><dd>{esc(str(meta['run_date']))}</dd>",
        f"<dt>输入数据</dt><dd>{esc(str(meta['data_dir']))}</dd>",
        f'<dt>输入数据校验值（SHA-256）</dt><dd class="code">{esc(str(meta["data_hash"]))}</dd>',
        f'<dt>词表校验值（SHA-256）</dt><dd class="code">{esc(str(meta["lexicon_hash"]))}</dd>',
        f"<dt>程序版本</dt><dd>{esc(str(meta['version']))}</dd>",
        f"<dt>参数</dt><dd>{esc('；'.join(f'{display.parameter_label(k)}：{_value(v)}' for k, v in sorted(params.items())) or '均为默认值')}</dd>",
        f"<dt>用时</dt><dd>{meta['seconds']} 秒</dd>",
        "</dl>",
    ]
    page = (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; form-action 'none'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{esc(PROJECT_TITLE)}简报 · 目录</title>\n<style>{FONT_MARKER}{_INDEX_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(parts)
        + "\n</body>\n</html>\n"
    )
    return embed_font(add_contents(page))
