"""Page metadata: the labelled furniture a saved page or a pasted page text carries.

Government websites put a block of labelled lines around a report — 索引号,
发布机构, 发布日期, 文号, 浏览次数, breadcrumbs — as a list, a table of pipes,
bracketed labels or one line of several labels.  ``parse_text`` reads them from
the head of a report's text; ``parse_html`` reads the ``<meta>`` tags and the
canonical link of a saved page.  Both return a dict with the page-metadata
columns of the reports table::

    publisher   发布机构 / 发文机关 / 发布单位 / 信息来源 / 来源 (str or None)
    published   发布日期 / 发布时间 / 发文时间 / 成文日期 / 时间 (datetime.date or None)
    index_no    索引号
    doc_no      发文字号 / 文号, or a document number standing alone on a line (雷东府〔2025〕26号)
    source_url  canonical link or og:url of a saved page (原文链接 in a pasted text)

``parse_text`` also gives ``title`` (a 标题 field) and ``lines``: the numbers of
the lines that are furniture, which the metadata stage skips.  The labels are
knowledge: ``data/lexicon/page_furniture.yml``, validated on load.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import config
from .chinese import fold, fold_width
from .errors import LexiconError

FURNITURE_FILE = config.PAGE_FURNITURE_FILE
COLUMNS = ("publisher", "published", "index_no", "doc_no", "source_url")
_FIELDS = (*COLUMNS, "title")

# Decoration before a label: bullets, pipes, brackets, spaces.
_DECORATION = r"[\s\-•·*|\[【(（]*"
DATE_RE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
# A document number standing alone: 雷东府〔2025〕26号, 将镛委〔2025〕5号.
DOC_NO_RE = re.compile(r"^[\u4e00-\u9fff]{1,12}[〔\[［(（]\s*(?:19|20)\d{2}\s*[〕\]］)）]\s*第?\s*\d{1,5}\s*号$")
SENTENCE_END_RE = re.compile(r"[。；;！!？?]")
HAN_RE = re.compile(r"[\u4e00-\u9fff]")
# A value cut by a mirror's injected text keeps its last part: 垃圾【某某】@木渎镇 → 木渎镇.
_SPLIT_VALUE_RE = re.compile(r"[@|】\]>»]")


@dataclass(frozen=True)
class Rules:
    """The labels of ``page_furniture.yml``, compiled."""

    labels: dict[str, tuple[str, ...]]  # field → labels in order of preference
    furniture: tuple[str, ...]
    publisher_suffixes: tuple[str, ...]
    empty_values: frozenset[str]
    html_meta: dict[str, tuple[str, ...]]
    label_re: re.Pattern[str]
    field_of: dict[str, str | None]  # label (spaces removed) → field, None for furniture-only labels
    order: dict[str, dict[str, int]]  # field → label (spaces removed) → its rank of preference
    navigation_re: re.Pattern[str]  # a breadcrumb mark (首页 > 政务公开)


def _strings(path: Path, value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise LexiconError(path, f"{where} must be a non-empty list of labels")
    out = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise LexiconError(path, f"{where}: every entry must be a non-empty string", entry=str(item))
        out.append(item.strip())
    return tuple(out)


@lru_cache(maxsize=4)
def load_rules(path: str | Path = FURNITURE_FILE) -> Rules:
    """Read and check ``page_furniture.yml``: known fields, non-empty labels, no label twice."""
    from .lexicon import load_yaml, longest_word_re

    path = Path(path)
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise LexiconError(path, "must be a mapping with fields, furniture, publisher_suffixes, empty_values, html_meta")
    for key in ("fields", "furniture", "publisher_suffixes", "empty_values", "navigation_marks", "html_meta"):
        if key not in data:
            raise LexiconError(path, f"has no '{key}' section")
    fields = data["fields"]
    if not isinstance(fields, dict):
        raise LexiconError(path, "'fields' must map a field to its labels")
    labels: dict[str, tuple[str, ...]] = {}
    field_of: dict[str, str | None] = {}
    for field, entries in fields.items():
        if field not in _FIELDS:
            raise LexiconError(path, f"unknown field (known: {', '.join(_FIELDS)})", entry=str(field))
        labels[field] = _strings(path, entries, f"fields.{field}")
        for label in labels[field]:
            key = re.sub(r"\s", "", label)
            if key in field_of:
                raise LexiconError(path, f"label listed twice (under {field_of[key]} and {field})", entry=label)
            field_of[key] = field
    furniture = _strings(path, data["furniture"], "furniture")
    for label in furniture:
        key = re.sub(r"\s", "", label)
        if key in field_of:
            raise LexiconError(path, "label listed twice", entry=label)
        field_of[key] = None
    html_meta = data["html_meta"]
    if not isinstance(html_meta, dict):
        raise LexiconError(path, "'html_meta' must map a field to meta names")
    for field in html_meta:
        if field not in _FIELDS:
            raise LexiconError(path, "unknown field in html_meta", entry=str(field))
    alternation = "|".join(r"\s*".join(re.escape(ch) for ch in key) for key in sorted(field_of, key=len, reverse=True))
    # A label ends at a colon or a closing bracket; a date label also before a bare date (发布时间 2025年…).
    label_re = re.compile(rf"(?P<label>{alternation})(?:\s*[:：]|\s*[\]】］]|(?=\s+(?:19|20)\d{{2}}))")
    return Rules(
        labels=labels,
        furniture=furniture,
        publisher_suffixes=_strings(path, data["publisher_suffixes"], "publisher_suffixes"),
        empty_values=frozenset(_strings(path, data["empty_values"], "empty_values")),
        html_meta={field: tuple(n.lower() for n in _strings(path, names, f"html_meta.{field}")) for field, names in html_meta.items()},
        label_re=label_re,
        field_of=field_of,
        navigation_re=re.compile(longest_word_re(_strings(path, data["navigation_marks"], "navigation_marks"))),
        order={field: {re.sub(r"\s", "", label): i for i, label in enumerate(words)} for field, words in labels.items()},
    )


def _simplified(text: str) -> str:
    """The matching form of a line: simplified character by character, width-folded (same length)."""
    return fold_width(fold(text))


def parse_date(value: str | None) -> dt.date | None:
    """The first date in *value* (2025-01-15, 2025/1/15, 2025年01月15日), or None; masked digits give None."""
    if not value:
        return None
    match = DATE_RE.search(value)
    if not match:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _clean_value(value: str, rules: Rules) -> str | None:
    value = value.strip().strip("|[]【】［］ \t")
    value = re.sub(r"\s{2,}", " ", value).strip()
    if not value or value in rules.empty_values or set(value) <= set("*/-_ .:："):
        return None
    return value


def _publisher(value: str) -> str | None:
    parts = [p.strip() for p in _SPLIT_VALUE_RE.split(value) if p.strip()]
    if not parts:
        return None
    value = parts[-1]
    if "*" in value or not HAN_RE.search(value):
        return None
    return value


def _line_fields(line: str, rules: Rules, simple: str | None = None) -> tuple[list[tuple[str | None, str, str]], str] | None:
    """The (field, label, value) triples of a furniture line and the text before its first label; None when not furniture.

    *simple*: the line's matching form when the caller has it.
    """
    simple = simple if simple is not None else _simplified(line)
    if "。" in simple or not rules.label_re.search(simple):
        return None  # a sentence is body text (tested first: most lines are sentences), and so is a line without a label
    matches = list(rules.label_re.finditer(simple))
    if not matches:
        return None
    lead = simple[: matches[0].start()]
    bare = re.sub(_DECORATION, "", lead)
    if re.search(r"[，,；;]", lead) or len(bare) > 30:
        return None  # a clause that mentions 时间: or 来源: is body text
    pairs = []
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        key = re.sub(r"\s", "", match.group("label"))
        pairs.append((rules.field_of.get(key), key, line[match.end() : end]))
    return pairs, bare


def is_furniture_line(line: str, *, rules: Rules | None = None, simple: str | None = None) -> bool:
    """True for a labelled furniture line, a breadcrumb, a document number alone, or a line with no Chinese text.

    *simple*: the stripped line's matching form (simplified, width-folded) when the caller has it.
    """
    rules = rules or load_rules()
    stripped = line.strip()
    if not stripped:
        return False
    if _line_fields(stripped, rules, simple.strip() if simple is not None else None) is not None:
        return True
    if not HAN_RE.search(stripped):
        return True
    if len(stripped) < 100 and not SENTENCE_END_RE.search(stripped) and rules.navigation_re.search(stripped):
        return True
    return bool(DOC_NO_RE.match(stripped))


def parse_text(text: str, *, rules: Rules | None = None, max_lines: int = 60, simple: str | None = None) -> dict[str, object]:
    """Page metadata from the furniture lines at the head of *text* (until the first paragraph of body text).

    Returns publisher, published, index_no, doc_no, source_url, title (None
    when absent) and ``lines``: the numbers (0-based) of the furniture lines.
    *simple*: the matching form of *text* (simplified, width-folded, same length) when the caller has it.
    """
    rules = rules or load_rules()
    found: dict[str, list[tuple[int, str]]] = {field: [] for field in _FIELDS}
    unlabelled_publisher = None
    lines: list[int] = []
    lines_ = text.split("\n")[:max_lines]
    if simple is not None and len(simple) == len(text):
        simple_lines = simple.split("\n")[:max_lines]
    else:
        simple_lines = _simplified("\n".join(lines_)).split("\n")
    for number, line in enumerate(lines_):
        stripped = line.strip()
        if not stripped:
            continue
        parsed = _line_fields(stripped, rules, simple_lines[number].strip())
        if parsed is None:
            if DOC_NO_RE.match(stripped):
                found["doc_no"].append((len(rules.labels.get("doc_no", ())), stripped))
                lines.append(number)
                continue
            if SENTENCE_END_RE.search(stripped) and len(stripped) > 40:
                break  # the body has begun
            continue
        lines.append(number)
        pairs, lead = parsed
        if lead and HAN_RE.search(lead) and lead.endswith(rules.publisher_suffixes) and HAN_RE.fullmatch(lead[0]):
            unlabelled_publisher = unlabelled_publisher or lead
        for field, key, raw in pairs:
            if field is None:
                continue
            value = _clean_value(raw, rules)
            if value is None:
                continue
            found[field].append((rules.order[field][key], value))
    out: dict[str, object] = {"lines": tuple(lines)}
    for field in _FIELDS:
        candidates = sorted(found[field], key=lambda c: c[0])  # stable: order of the page within a label
        value: object = None
        for _, raw in candidates:
            if field == "published":
                value = parse_date(raw)
            elif field == "publisher":
                value = _publisher(raw)
            elif "*" in raw:
                value = None
            else:
                value = raw
            if value is not None:
                break
        out[field] = value
    if out["publisher"] is None and unlabelled_publisher:
        out["publisher"] = unlabelled_publisher
    return out


def parse_html(html: str | bytes, *, rules: Rules | None = None) -> dict[str, object]:
    """publisher, published, title, source_url from a saved page's ``<meta>`` tags and canonical link (None when absent)."""
    import lxml.etree
    import lxml.html

    rules = rules or load_rules()
    out: dict[str, object] = {"publisher": None, "published": None, "title": None, "source_url": None}
    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return out
    metas: dict[str, str] = {}
    for meta in tree.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if name and content and name not in metas:
            metas[name] = content
    for field, names in rules.html_meta.items():
        for name in names:
            if name in metas:
                value: object = metas[name]
                if field == "published":
                    value = parse_date(metas[name])
                elif field == "publisher":
                    value = _publisher(metas[name])
                if value is not None:
                    out[field] = value
                    break
    for link in tree.iter("link"):
        if (link.get("rel") or "").strip().lower() == "canonical" and link.get("href"):
            out["source_url"] = link.get("href").strip()
            break
    return out
