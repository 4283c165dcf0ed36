"""Readers by file type: saved web pages, PDF with a text layer, Word 97/WPS; bad files of each type.

The fixtures are built here: a government-style page around the opening of a
real report of data/raw (神树镇), a PDF written by matplotlib in the package's
CJK font, a .doc written by LibreOffice when it is installed.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from conftest import word97

from analysis import config, loaders
from analysis.errors import InputError

REPORT = next(config.DATA_RAW.glob("000_*.txt"))
LINES = [line.strip() for line in REPORT.read_text(encoding="utf-8").split("\n") if line.strip()][:8]
TITLE, BODY = LINES[0], LINES[1:]

NAV = "".join(f'<li><a href="/{i}/">{name}</a></li>' for i, name in enumerate(["首页", "政务公开", "政务服务", "互动交流"]))
FOOTER = "<div class='footer'><p>主办单位：某某县人民政府办公室</p><p>网站标识码：1234567890　ICP备12345678号</p></div>"
RELATED = "".join(f'<li><a href="/x/{i}.html">某某县召开第{i}次常务会议</a></li>' for i in range(1, 6))


def page(body_html: str, *, head: str = '<meta charset="utf-8">', title: str = TITLE) -> str:
    return f"""<html><head>{head}<title>{title}_某某县人民政府</title></head><body>
<div class="top"><a href="#">无障碍</a> <a href="#">登录</a></div><nav><ul>{NAV}</ul></nav>
<div class="crumb">您当前的位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 法治政府建设</div>
<table><tr><td>索引号：</td><td>11330000/2025-00012</td><td>发布机构：</td><td>神树镇人民政府</td></tr>
<tr><td>发布日期：</td><td>2026-01-20</td><td>文号：</td><td>神政发〔2026〕3号</td></tr></table>
{body_html}
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div><div>【<a href="#">打印</a>】【<a href="#">关闭</a>】</div>
<aside><h3>相关链接</h3><ul>{RELATED}</ul></aside>{FOOTER}</body></html>"""


def article(lines: list[str], *, headings: bool = True) -> str:
    parts = []
    for line in lines:
        if headings and line.startswith(("一、", "二、")):
            parts.append(f"<h3>{line}</h3>")
        else:
            parts.append(f"<p>{line}</p>")
    return f"<article><h1>{TITLE}</h1><div class='info'>来源：神树镇 浏览次数：12 字号：【大 中 小】</div><div class='content'>{''.join(parts)}</div></article>"


def test_html_keeps_report_drops_furniture(tmp_path):
    path = tmp_path / "report.html"
    path.write_text(page(article(BODY)), encoding="utf-8")
    loaded = loaders.read(path)
    lines = loaded.text.split("\n")
    assert lines[0] == TITLE
    assert lines[1:] == BODY  # every paragraph, headings on their own lines, in order
    for furniture in ("索引号", "首页", "分享到", "网站标识码", "相关链接", "打印", "常务会议", "浏览次数"):
        assert furniture not in loaded.text
    assert loaded.page["publisher"] == "神树镇人民政府"
    assert str(loaded.page["published"]) == "2026-01-20"
    assert loaded.page["index_no"] == "11330000/2025-00012"
    assert loaded.page["doc_no"] == "神政发〔2026〕3号"
    assert loaded.encoding == "html (utf-8)"


def test_html_gb2312_declared_in_http_equiv(tmp_path):
    # 喆 and 镕 are GBK characters outside GB2312: sites that declare gb2312 send them anyway
    body = BODY + ["镇长王喆、副镇长李镕参加了培训。"]
    html = page(article(body), head='<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    path = tmp_path / "report.htm"
    path.write_bytes(html.encode("gb18030"))
    loaded = loaders.read(path)
    assert loaded.encoding == "html (gb2312)"
    assert loaded.text.split("\n") == [TITLE, *body]


def test_html_big5_page(tmp_path):
    from opencc import OpenCC

    body = [OpenCC("s2t").convert(line) for line in BODY]
    title = OpenCC("s2t").convert(TITLE)
    html = page(
        f"<div class='content'><h1>{title}</h1>" + "".join(f"<p>{line}</p>" for line in body) + "</div>",
        head='<meta charset="big5">',
        title=title,
    )
    path = tmp_path / "report.html"
    path.write_bytes(html.encode("big5hkscs", errors="replace"))
    loaded = loaders.read(path)
    assert loaded.text.split("\n")[0] == title
    assert body[0] in loaded.text


def test_html_title_and_source_url_from_meta(tmp_path):
    head = (
        '<meta charset="utf-8"><meta name="ArticleTitle" content="' + TITLE + '">'
        '<meta property="og:url" content="https://example.org/zwgk/1.html"><meta name="PubDate" content="2026-01-21">'
    )
    # the article block carries no title: the page's own is put first
    html = page("<div class='content'>" + "".join(f"<p>{line}</p>" for line in BODY) + "</div>", head=head)
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    loaded = loaders.read(path)
    assert loaded.text.split("\n")[0] == TITLE
    assert loaded.page["source_url"] == "https://example.org/zwgk/1.html"
    assert str(loaded.page["published"]) == "2026-01-21"  # the meta tag comes before the page's table


def test_html_saved_as_utf8_but_declaring_gb2312(tmp_path):
    # a browser's "save page" writes UTF-8 and may keep the site's declaration
    html = page(article(BODY), head='<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    path = tmp_path / "report.html"
    path.write_bytes(html.encode("utf-8"))
    loaded = loaders.read(path)
    assert loaded.encoding == "html (utf-8 (the page declares gb2312))"
    assert loaded.text.split("\n") == [TITLE, *BODY]


def test_mht_page_saved_as_one_file(tmp_path):
    import quopri

    html = page(article(BODY), head='<meta http-equiv="Content-Type" content="text/html; charset=gb2312">').encode("gb18030")
    body = quopri.encodestring(html).decode("ascii")
    mht = (
        'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="----=_NextPart_000"; type="text/html"\r\n\r\n'
        '------=_NextPart_000\r\nContent-Type: text/html; charset="gb2312"\r\nContent-Transfer-Encoding: quoted-printable\r\n'
        "Content-Location: https://example.org/zwgk/1.html\r\n\r\n" + body + "\r\n------=_NextPart_000--\r\n"
    )
    path = tmp_path / "report.mht"
    path.write_bytes(mht.encode("ascii"))
    loaded = loaders.read(path)
    assert loaded.encoding == "mht (gb2312)"
    assert loaded.text.split("\n") == [TITLE, *BODY]
    assert loaded.page["publisher"] == "神树镇人民政府"
    broken = tmp_path / "broken.mht"
    broken.write_bytes(b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nnothing here")
    with pytest.raises(InputError, match="no HTML part"):
        loaders.read(broken)


def test_html_with_the_report_as_attachment(tmp_path):
    html = page("<div class='content'><h1>" + TITLE + "</h1><p>附件：<a href='/u/2026/report.pdf'>" + TITLE + ".pdf</a></p></div>")
    path = tmp_path / "notice.html"
    path.write_text(html, encoding="utf-8")
    with pytest.raises(InputError, match=r"attachment \(" + TITLE + r"\.pdf\).*download the attachment"):
        loaders.read(path)


@pytest.mark.parametrize(
    "html, message",
    [
        ("<html><head><title>x</title></head></html>", "no text in its body"),
        ("<html><head><title>某某县人民政府</title></head><body>   </body></html>", "no text in its body"),
        (page("<ul>" + RELATED * 3 + "</ul>"), "only navigation"),
    ],
    ids=["no body", "empty body", "all navigation"],
)
def test_bad_html(tmp_path, html, message):
    path = tmp_path / "bad.html"
    path.write_text(html, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        loaders.read(path)
    assert str(path) in str(info.value)


# ------------------------------------------------------------------ pdf


def make_pdf(lines: list[str], *, image_only: bool = False) -> bytes:
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.font_manager import FontProperties

    from analysis.fonts import font_path

    figure = plt.figure(figsize=(8.27, 11.69))
    if image_only:
        import numpy as np

        figure.figimage(np.random.default_rng(0).random((300, 200)))
    else:
        font = FontProperties(fname=str(font_path()))
        wrapped = [chunk for line in lines for chunk in textwrap.wrap(line, 36)]
        for i, chunk in enumerate(wrapped[:40]):
            figure.text(0.08, 0.95 - i * 0.022, chunk, fontproperties=font, fontsize=10)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"pdf.fonttype": 42}):
        figure.savefig(buffer, format="pdf")
    plt.close(figure)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    return make_pdf([TITLE, *BODY[:4]])


def test_pdf_text_layer_paragraphs_joined(tmp_path, pdf_bytes):
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf_bytes)
    loaded = loaders.read(path)
    assert loaded.encoding == "pdf"
    # the page wrapped each paragraph over several lines; the reader joins them back
    assert loaded.text.split("\n") == [TITLE, *BODY[:4]]


def test_truncated_pdf(tmp_path, pdf_bytes):
    path = tmp_path / "cut.pdf"
    path.write_bytes(pdf_bytes[: len(pdf_bytes) // 3])
    with pytest.raises(InputError, match="damaged or truncated"):
        loaders.read(path)


def test_scanned_pdf_needs_ocr(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([], image_only=True))
    with pytest.raises(InputError, match="needs OCR"):
        loaders.read(path)


def test_not_a_pdf(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_text("这不是PDF文件", encoding="utf-8")
    with pytest.raises(InputError, match="not a PDF"):
        loaders.read(path)


def test_join_wrapped_keeps_headings_and_short_lines():
    lines = [
        "一、重点工作开展情况",
        "（一）以依法行政为抓手",
        "1.严守决策程序，提升重大行政决策规范化水平。重新成立了",
        "由镇长任组长的领导小组。",
        "短行",
    ]
    assert loaders.join_wrapped(lines) == [
        "一、重点工作开展情况",
        "（一）以依法行政为抓手",
        "1.严守决策程序，提升重大行政决策规范化水平。重新成立了由镇长任组长的领导小组。",
        "短行",
    ]


# ------------------------------------------------------------------ doc, wps

needs_soffice = pytest.mark.skipif(loaders.soffice() is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it")


@pytest.fixture(scope="module")
def doc_bytes(tmp_path_factory) -> bytes:
    folder = tmp_path_factory.mktemp("doc")
    source = folder / "report.txt"
    source.write_text("\n".join([TITLE, *BODY]), encoding="utf-8")
    return word97(source, folder, profile=folder / "profile").read_bytes()


@needs_soffice
@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".doc", ".wps"])
def test_doc_and_wps_through_libreoffice(tmp_path, doc_bytes, suffix):
    path = tmp_path / f"report{suffix}"
    path.write_bytes(doc_bytes)
    loaded = loaders.read(path)
    assert [line for line in loaded.text.split("\n") if line.strip()] == [TITLE, *BODY]
    assert loaded.encoding == f"{suffix[1:]} (LibreOffice)"


@needs_soffice
@pytest.mark.slow
def test_damaged_doc(tmp_path):
    path = tmp_path / "broken.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00garbage" * 50)
    with pytest.raises(InputError, match=r"broken\.doc"):
        loaders.read(path)


def test_doc_without_libreoffice_says_how_to_convert(tmp_path, monkeypatch):
    monkeypatch.setattr(loaders, "soffice", lambda: None)
    path = tmp_path / "report.wps"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(InputError, match=r"LibreOffice is not installed.*save it as \.docx"):
        loaders.read(path)


# ------------------------------------------------------------------ registry


def test_registry_by_suffix(tmp_path):
    assert {".txt", ".docx", ".html", ".htm", ".mht", ".pdf", ".doc", ".wps"} <= set(loaders.suffixes())
    path = tmp_path / "report.rtf"
    path.write_text("{\\rtf1 x}", encoding="utf-8")
    with pytest.raises(InputError, match=r"unsupported format \(\.rtf\).*\.pdf"):
        loaders.read(path)


def test_a_new_format_is_one_function(tmp_path, monkeypatch):
    monkeypatch.setattr(loaders, "READERS", dict(loaders.READERS))

    @loaders.reader(".md")
    def read_markdown(path: Path, data: bytes) -> loaders.Loaded:
        return loaders.Loaded(data.decode("utf-8").lstrip("# "), "markdown")

    path = tmp_path / "report.md"
    path.write_text("# " + TITLE, encoding="utf-8")
    assert loaders.read(path).text == TITLE
    assert ".md" in loaders.suffixes()


def test_empty_file(tmp_path):
    for suffix in (".html", ".pdf", ".doc"):
        path = tmp_path / f"empty{suffix}"
        path.write_bytes(b"  \n")
        with pytest.raises(InputError, match="is empty"):
            loaders.read(path)


def test_soffice_found_when_installed():
    assert loaders.soffice() == (shutil.which("soffice") or shutil.which("libreoffice"))


def test_config_names_the_suffixes_the_registry_reads():
    assert tuple(sorted(config.SUPPORTED_SUFFIXES)) == loaders.suffixes()
