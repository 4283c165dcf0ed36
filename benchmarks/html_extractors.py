"""Which main-text extractor keeps a report and drops the site around it: trafilatura against readability-lxml.

    .venv/bin/python -m pip install -e ".[compare]"   # trafilatura, pdfplumber
    .venv/bin/python benchmarks/html_extractors.py [--dev PATH]

Builds saved pages the way Chinese government sites lay them out — top bar,
site name, navigation menu, breadcrumb (您当前的位置：首页 > 政务公开 > …), the
索引号/发布机构/发布日期 table, font-size and print buttons, share buttons,
related links, footer with 网站标识码 and ICP number — around real report
text: the five reports of data/raw in full, and the openings of
../shared/corpus-dev (their own furniture lines removed) when that folder is
present.  Three layouts: a modern UTF-8 page with <h3> headings and meta tags,
an old table layout in GB2312 with <br> line breaks, and a TRS editor block.

For each extractor and page it measures:
  body    share of the report's lines (8+ characters) found in the output
  heads   share of outline headings (一、 （一）) that start a line of the output
  title   share of pages whose title is in the output's first three lines
  clean   share of furniture strings absent from the output
  errors  pages where the extractor raised or returned nothing

"bare" rows are the extractors alone (readability's block turned into lines
the simple way); "loader" rows are analysis.loaders.read_html with each
extractor inside (page title added when the block lacks it, furniture lines
dropped) — the comparison that decided the loader's extractor.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HEADING_RE = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])")
FURNITURE = [
    "索引号",
    "发布机构",
    "成文日期",
    "分享到",
    "网站标识码",
    "ICP备",
    "公网安备",
    "您当前的位置",
    "首页",
    "政务服务",
    "互动交流",
    "打印",
    "关闭",
    "相关链接",
    "主办单位",
    "浏览次数",
    "无障碍",
    "网站地图",
    "热点信息",
    "字号",
]


def _paragraphs(lines: list[str], style: str) -> str:
    out = []
    for line in lines:
        text = html.escape(line)
        if style == "modern" and HEADING_RE.match(line):
            tag = "h3" if re.match(r"^[一二三四五六七八九十]+、", line) else "h4"
            out.append(f"<{tag}>{text}</{tag}>")
        elif style == "table":
            out.append(f"&nbsp;&nbsp;&nbsp;&nbsp;{text}<br>")
        else:
            out.append(f'<p style="text-indent:2em">{text}</p>')
    return "\n".join(out)


def build_page(title: str, lines: list[str], *, style: str, unit: str = "某某县", date: str = "2025-01-20") -> bytes:
    """A saved government page around *title* and body *lines*; bytes in the page's declared encoding."""
    site = f"{unit}人民政府"
    nav = "".join(
        f'<li><a href="/{i}/">{name}</a></li>' for i, name in enumerate(["首页", "政务公开", "政务服务", "互动交流", f"走进{unit}"])
    )
    related = "".join(f'<li><a href="/xw/{i}.html">{unit}召开第{i}次常务会议</a><span>2025-01-0{i}</span></li>' for i in range(1, 6))
    footer = (
        f"<div class='footer'><p>主办单位：{site}办公室　承办：{unit}政务服务数据管理局</p>"
        "<p>网站标识码：1234567890　ICP备12345678号-1　公网安备 12345678901234号</p>"
        "<p><a href='/lxwm'>联系我们</a> | <a href='/wzdt'>网站地图</a> | <a href='/wzsm'>网站声明</a></p></div>"
    )
    body = _paragraphs(lines, style)
    esc_title = html.escape(title)
    if style == "modern":
        page = f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{esc_title}_{site}</title>
<meta name="ArticleTitle" content="{esc_title}"><meta name="PubDate" content="{date} 09:30">
<meta name="ContentSource" content="{unit}司法局"><link rel="canonical" href="https://www.example.gov.cn/zwgk/{date}/a1.html">
<meta property="og:url" content="https://www.example.gov.cn/zwgk/{date}/a1.html"></head>
<body><div class="topbar"><a href="#">无障碍</a> <a href="#">长者模式</a> <a href="#">登录</a></div>
<header><div class="logo">{site}</div><nav><ul>{nav}</ul></nav></header>
<div class="crumb">您当前的位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/fz/">法治政府建设</a></div>
<table class="xxgk"><tr><td>索引号：</td><td>11330000/2025-00012</td><td>发布机构：</td><td>{unit}司法局</td></tr>
<tr><td>成文日期：</td><td>{date}</td><td>发布日期：</td><td>{date}</td></tr></table>
<article><h1>{esc_title}</h1><div class="info">发布时间：{date} 来源：{unit}司法局 浏览次数：1024 字号：【大 中 小】</div>
<div class="article-content">{body}</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>
<div class="tools"><a href="javascript:window.print()">【打印】</a> <a href="javascript:window.close()">【关闭】</a></div></article>
<aside><h3>热点信息</h3><ul>{related}</ul><h3>相关链接</h3><ul>{related}</ul></aside>{footer}</body></html>"""
        return page.encode("utf-8")
    if style == "table":
        page = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{esc_title}</title></head><body><table width="1000"><tr><td class="top"><a href="#">无障碍</a> | <a href="#">网站地图</a></td></tr>
<tr><td class="nav"><ul>{nav}</ul></td></tr>
<tr><td class="crumb">您当前的位置：首页 &gt;&gt; 政务公开 &gt;&gt; 法治政府建设</td></tr>
<tr><td align="center" class="title"><b>{esc_title}</b></td></tr>
<tr><td class="info">发布时间：{date}　　来源：{unit}司法局　　浏览次数：88　【字号：大 中 小】</td></tr>
<tr><td class="content"><div>{body}</div></td></tr>
<tr><td>【<a href="#">打印本页</a>】【<a href="#">关闭窗口</a>】</td></tr>
<tr><td><b>相关链接</b><ul>{related}</ul></td></tr><tr><td>{footer}</td></tr></table></body></html>"""
        return page.encode("gb18030")
    page = f"""<html><head><meta charset="utf-8"><title>{esc_title}-{site}门户网站</title></head>
<body><div id="head">{site}<ul>{nav}</ul></div><div class="position">当前位置：首页 » 信息公开 » 法治政府建设年度报告</div>
<div class="xxgk_table">索引号：000014349/2025-02861 | 发文字号： | 发布机构：{unit}司法局 | 主题分类：其他 | 发布日期：{date}</div>
<div class="detail"><div class="detail_title">{esc_title}</div><div class="detail_info">来源：本网　日期：{date}　【字体：大 中 小】</div>
<div class="TRS_Editor">{body}</div></div><div class="bshare">分享到：微信 微博</div>
<div class="hot"><h3>热点信息</h3><ul>{related}</ul></div>{footer}</body></html>"""
    return page.encode("utf-8")


def report_texts(dev: Path | None) -> list[tuple[str, str, list[str]]]:
    """(name, title, body lines) of the five full reports and of the corpus-dev openings with a title."""
    from analysis import corpus, pagemeta

    out = []
    for path in sorted((ROOT / "data" / "raw").glob("*.txt")):
        lines = [line.strip() for line in corpus.clean(path.read_text(encoding="utf-8")).split("\n") if line.strip()]
        out.append((path.stem, lines[0], lines[1:]))
    if dev is not None and (dev / "manifest.csv").is_file():
        import csv

        with (dev / "manifest.csv").open(encoding="utf-8") as handle:
            manifest = {row["doc_id"]: row for row in csv.DictReader(handle)}
        for doc_id, row in sorted(manifest.items()):
            if not row["title"]:
                continue
            text = corpus.clean((dev / "reports" / f"{doc_id}.txt").read_text(encoding="utf-8"))
            lines = [line.strip() for line in text.split("\n") if line.strip() and not pagemeta.is_furniture_line(line)]
            body = [line for line in lines if len(line) > 30][:-1]  # the last line is cut mid-word
            if body:
                out.append((doc_id, row["title"].replace(" ", ""), body))
    return out


def extract_trafilatura(page: bytes) -> str:
    import trafilatura

    return trafilatura.extract(page, output_format="txt", include_comments=False, include_tables=True, favor_precision=False) or ""


def extract_trafilatura_precision(page: bytes) -> str:
    import trafilatura

    return trafilatura.extract(page, output_format="txt", include_comments=False, include_tables=False, favor_precision=True) or ""


def extract_readability(page: bytes) -> str:
    import lxml.html
    from readability import Document

    document = Document(page)
    summary = document.summary(html_partial=True)
    tree = lxml.html.fromstring(summary)
    for br in tree.iter("br"):
        br.tail = "\n" + (br.tail or "")
    blocks = []
    for element in tree.iter("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "div"):
        if element.tag == "div" and any(child.tag in ("p", "div", "h3", "h4", "table") for child in element):
            continue
        text = element.text_content().strip()
        if text:
            blocks.append(text)
    title = document.short_title() or ""
    return "\n".join([title, *blocks]) if title else "\n".join(blocks)


def _loader(extract_main):
    def run(page: bytes) -> str:
        from analysis import loaders

        original = loaders.extract_main
        loaders.extract_main = extract_main
        try:
            return loaders.read_html(Path("page.html"), page).text
        finally:
            loaders.extract_main = original

    return run


def _trafilatura_lines(html: str) -> list[str]:
    import trafilatura

    return [
        line.strip() for line in (trafilatura.extract(html, output_format="txt", include_tables=True) or "").split("\n") if line.strip()
    ]


def _readability_lines(html: str) -> list[str]:
    import lxml.html
    from readability import Document

    from analysis import loaders

    return loaders._lines(lxml.html.fromstring(Document(html).summary(html_partial=True)))


EXTRACTORS = {
    "loader with readability-lxml": _loader(_readability_lines),
    "loader with trafilatura": _loader(_trafilatura_lines),
    "trafilatura": extract_trafilatura,
    "trafilatura(favor_precision)": extract_trafilatura_precision,
    "readability-lxml": extract_readability,
}


def measure(texts: list[tuple[str, str, list[str]]]) -> dict[str, dict[str, float]]:
    results = {}
    for name, extract in EXTRACTORS.items():
        body_hits = body_total = head_hits = head_total = title_hits = clean_hits = clean_total = errors = pages = 0
        seconds = 0.0
        for _doc, title, lines in texts:
            for style in ("modern", "table", "trs"):
                page = build_page(title, lines, style=style)
                pages += 1
                started = time.perf_counter()
                try:
                    out = extract(page)
                except Exception:  # noqa: BLE001 — a benchmark counts any failure
                    out = ""
                seconds += time.perf_counter() - started
                if not out.strip():
                    errors += 1
                flat = re.sub(r"\s+", "", out)
                out_lines = [re.sub(r"\s+", "", line) for line in out.split("\n") if line.strip()]
                for line in lines:
                    key = re.sub(r"\s+", "", line)
                    if len(key) >= 8:
                        body_total += 1
                        body_hits += key in flat
                    if HEADING_RE.match(line):
                        head_total += 1
                        head_hits += any(o.startswith(key[:12]) for o in out_lines)
                title_hits += any(re.sub(r"\s+", "", title) in o for o in out_lines[:3])
                for word in FURNITURE:
                    if word not in "".join(lines) + title:
                        clean_total += 1
                        clean_hits += word not in flat
        results[name] = {
            "pages": pages,
            "body": body_hits / body_total,
            "heads": head_hits / head_total if head_total else float("nan"),
            "title": title_hits / pages,
            "clean": clean_hits / clean_total,
            "errors": errors,
            "ms_per_page": 1000 * seconds / pages,
        }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "corpus-dev", help="corpus-dev folder (optional)")
    args = parser.parse_args(argv)
    texts = report_texts(args.dev if args.dev.is_dir() else None)
    print(f"{len(texts)} report texts × 3 layouts")
    for name, row in measure(texts).items():
        print(
            f"{name:>28}: body {row['body']:.3f}  heads {row['heads']:.3f}  title {row['title']:.3f}  "
            f"clean {row['clean']:.3f}  empty {row['errors']}/{row['pages']}  {row['ms_per_page']:.1f} ms/page"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
