"""A page's table of contents: every section heading (``<h2>``) linked from a list under the title.

``add_contents(page)`` gives each ``<h2>`` an id when it has none, marks the
sections whose heading starts with 附录 (the appendix: statistical detail at
the end of the page), and puts a ``<nav class="analysis-toc">`` right after
the page's first ``<h1>``.  A page with fewer than two sections gets none.
The page's own styles (``templates/briefing``, the index) print the list and
start each section on a new A4 page.
"""

from __future__ import annotations

import html
import re

APPENDIX = "附录"
_H2_RE = re.compile(r"<h2(?P<attrs>[^>]*)>(?P<body>.*?)</h2>", re.DOTALL | re.IGNORECASE)
_ID_RE = re.compile(r'\bid="([^"]*)"')
_TAG_RE = re.compile(r"<[^>]*>")
_H1_END_RE = re.compile(r"</h1>", re.IGNORECASE)


def _text(body: str) -> str:
    return " ".join(html.unescape(_TAG_RE.sub("", body)).replace("¶", "").split())


def add_contents(page: str, *, title: str = "目录") -> str:
    """*page* with a linked list of its sections after its first heading (and ids on headings that had none)."""
    entries: list[tuple[str, str]] = []

    def heading(match: re.Match) -> str:
        attrs, body = match.group("attrs"), match.group("body")
        found = _ID_RE.search(attrs)
        if found:
            anchor = found.group(1)
        else:
            anchor = f"section-{len(entries) + 1}"
            attrs = f' id="{anchor}"' + attrs
        text = _text(body)
        if text.startswith(APPENDIX) and "class=" not in attrs:
            attrs += ' class="analysis-appendix"'
        entries.append((anchor, text))
        return f"<h2{attrs}>{body}</h2>"

    page = _H2_RE.sub(heading, page)
    if len(entries) < 2:
        return page
    items = "".join(f'<li><a href="#{html.escape(anchor, quote=True)}">{html.escape(text)}</a></li>' for anchor, text in entries)
    nav = f'<nav class="analysis-toc"><p class="analysis-toc-title">{html.escape(title)}</p><ol>{items}</ol></nav>'
    end = _H1_END_RE.search(page)
    if end is None:
        return page
    # after the closing tag of the first heading's block: the markdown cell keeps its own layout
    return page[: end.end()] + nav + page[end.end() :]
