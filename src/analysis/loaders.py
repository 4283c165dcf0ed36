"""Readers of report files, one registry by file suffix.

A reader takes a file's path and bytes and returns ``Loaded(text, encoding, page)``:
the report's raw text (one paragraph a line, headings on their own lines), how
it was read, and the page metadata the file carries (publisher, published,
index_no, doc_no, source_url — see ``analysis.pagemeta``).  A file that cannot
be read raises ``InputError`` with a message that names the file and says what
to do.  Adding a format is one function::

    @reader(".rtf")
    def read_rtf(path: Path, data: bytes) -> Loaded: ...

Formats:

- ``.txt``: UTF-8, GB18030/GBK, Big5, UTF-16 (``decode``); pasted page
  text keeps its furniture, which the metadata stage reads and skips.
- ``.docx``: paragraphs and tables in document order (python-docx).
- ``.html`` / ``.htm`` / ``.shtml``: a saved web page in any encoding a Chinese
  site uses (the charset of a ``<meta>`` tag, ``http-equiv`` included; gb2312
  and gbk are read as their superset GB18030); the main text is found with
  readability-lxml, headings and paragraphs kept one a line, furniture lines
  dropped from it; the title comes from the page (ArticleTitle, ``<h1>``,
  ``<title>``) when the article block lacks it.  Why readability-lxml and not
  trafilatura: docs/readme/inputs.md.
- ``.mht`` / ``.mhtml``: a page saved as one file; its HTML part read as above.
- ``.pdf``: the text layer (pypdf), lines wrapped by the page joined back into
  paragraphs; a PDF without a text layer (a scan) needs OCR first.
- ``.doc`` / ``.wps``: through LibreOffice headless (``soffice``) when installed.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import config, pagemeta
from .errors import InputError


@dataclass(frozen=True)
class Loaded:
    """What a reader returns: raw text, how it was read, page metadata (None values left out)."""

    text: str
    encoding: str
    page: dict[str, object] = field(default_factory=dict)


Reader = Callable[[Path, bytes], Loaded]
READERS: dict[str, Reader] = {}


def reader(*suffixes: str) -> Callable[[Reader], Reader]:
    """Register a reader for file *suffixes* (lower case, with the dot)."""

    def register(function: Reader) -> Reader:
        for suffix in suffixes:
            READERS[suffix.lower()] = function
        return function

    return register


def suffixes() -> tuple[str, ...]:
    """The file suffixes a reader is registered for."""
    return tuple(sorted(READERS))


def read(path: str | Path, data: bytes | None = None) -> Loaded:
    """Read one report file with the reader of its suffix; InputError when unsupported or unreadable."""
    path = Path(path)
    suffix = path.suffix.lower()
    function = READERS.get(suffix)
    if function is None:
        kind = suffix or "no extension"
        raise InputError(path, f"unsupported format ({kind}); the formats read are {', '.join(suffixes())}")
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(path, f"cannot be read ({exc.strerror})") from exc
    if not data.strip():
        raise InputError(path, "is empty")
    failed = None
    try:
        loaded = function(path, data)
    except InputError as exc:
        failed = exc
    if failed is not None:
        # raised again outside the handler: no parser exception rides along as its context (lxml's
        # error log cannot be pickled, and Dask's tblib pickles an exception's context with it)
        raise InputError(failed.path, failed.problem)
    limit = max_report_chars()
    if len(loaded.text) > limit:
        raise InputError(
            path,
            f"is {len(loaded.text):,} characters long once read, more than the limit of {limit:,} for one report; "
            f"split it, or raise the limit (--max-report-chars, or {MAX_CHARS_ENV})",
        )
    return loaded


MAX_CHARS_ENV = "ANALYSIS_MAX_REPORT_CHARS"
MAX_DOCX_ENV = "ANALYSIS_MAX_DOCX_BYTES"


def max_report_chars() -> int:
    """The most characters one report may have once decoded (``config.MAX_REPORT_CHARS``, or the environment's)."""
    return int(os.environ.get(MAX_CHARS_ENV) or config.MAX_REPORT_CHARS)


def max_docx_bytes() -> int:
    """The most bytes the XML of one .docx may expand to (``config.MAX_DOCX_BYTES``, or the environment's)."""
    return int(os.environ.get(MAX_DOCX_ENV) or config.MAX_DOCX_BYTES)


# ------------------------------------------------------------------ txt, docx

CJK_COMMON = set(
    "的法治建设政府工作年镇乡村在和是为了推进依法行政开展群众宣传提升加强落实"
    "的法治建設政府工作年鎮鄉村在和是為了推進依法行政開展群眾宣傳提升加強落實"
)


def _score(text: str) -> float:
    """Share of common report characters: tells a right decoding from mojibake."""
    if not text:
        return 0.0
    return sum(ch in CJK_COMMON for ch in text) / len(text)


def decode(data: bytes, path: str | Path = "<bytes>") -> tuple[str, str]:
    """Decode report bytes: UTF-8 (with or without BOM), UTF-16, GB18030, Big5, or detected."""
    if not data.strip():
        raise InputError(path, "is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:8192]:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16
        raise InputError(path, "looks like a binary file (it contains NUL bytes), not a text report")
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    mended = _mostly_utf8(data, first_bad)
    if mended is not None:
        return mended
    candidates = []
    for encoding in ("gb18030", "big5"):
        try:
            candidates.append((data.decode(encoding), encoding))
        except UnicodeDecodeError:
            continue
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is not None:
        candidates.append((str(best), best.encoding))
    if candidates:
        text, encoding = max(candidates, key=lambda c: _score(c[0]))
        if _score(text) > 0:
            return text, encoding
    tried = ", ".join(["UTF-8", "GB18030", "Big5"] + ([best.encoding] if best is not None else []))
    raise InputError(path, f"cannot be decoded as Chinese text (tried {tried}); save it as UTF-8")


BAD_BYTES_NOTE = "bad bytes replaced"  # the encoding of a report read with a few undecodable bytes replaced names it


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """Text saved as UTF-16 with no byte-order mark: little or big endian, whichever decodes to report text."""
    best = None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text and _score(text) > 0 and (best is None or _score(text) > _score(best[0])):
            best = (text, encoding)
    return best


def _mostly_utf8(data: bytes, first_bad: int) -> tuple[str, str] | None:
    """UTF-8 with a few bytes that are not (a damaged download): read with them replaced by U+FFFD.

    Only when the bad bytes are few (at most 1 in 200, never more than 64,
    always up to 8) and the rest reads as report text; the encoding says how
    many and where the first is, and ``load_corpus`` turns that into a problem row.
    """
    allowed = min(64, max(8, len(data) // 200))
    parts, bad, pos = [], 0, 0
    while True:
        try:
            parts.append(data[pos:].decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            parts.append(data[pos : pos + exc.start].decode("utf-8") + "\ufffd")
            bad += exc.end - exc.start
            pos += exc.end
            if bad > allowed:
                return None
    text = "".join(parts)
    if _score(text) == 0:
        return None
    return text, f"utf-8 ({bad} {BAD_BYTES_NOTE}, the first at byte {first_bad})"


def docx_text(path: str | Path, data: bytes | None = None) -> str:
    """Paragraphs and tables of a .docx in document order, one paragraph a line (*data*: its bytes, if read)."""
    import io
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    source = io.BytesIO(data) if data is not None else str(path)
    try:
        with zipfile.ZipFile(source) as archive:
            expanded = sum(info.file_size for info in archive.infolist() if info.filename.endswith((".xml", ".rels")))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(path, f"is not a readable .docx file ({exc.__class__.__name__}: {exc})") from None
    limit = max_docx_bytes()
    if expanded > limit:
        raise InputError(
            path,
            f"expands to {expanded:,} bytes of XML, more than the limit of {limit:,} for one .docx; "
            f"check the file, or raise the limit (--max-docx-bytes, or {MAX_DOCX_ENV})",
        )
    if isinstance(source, io.BytesIO):
        source.seek(0)
    try:
        document = docx.Document(source)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(path, f"is not a readable .docx file ({exc.__class__.__name__})") from None
    except Exception as exc:  # lxml's XMLSyntaxError and kin: a plain message, nothing unpicklable crosses a process pool
        raise InputError(path, f"is not a readable .docx file: its XML is damaged ({exc.__class__.__name__}: {exc})") from None
    lines = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                cells = []
                for cell in row.cells:
                    value = cell.text.strip()
                    if not cells or cells[-1] != value:  # merged cells repeat
                        cells.append(value)
                lines.append("\t".join(cells))
    return "\n".join(lines)


@reader(".txt")
def read_txt(path: Path, data: bytes) -> Loaded:
    text, encoding = decode(data, path)
    return Loaded(text, encoding)


@reader(".docx")
def read_docx(path: Path, data: bytes) -> Loaded:
    return Loaded(docx_text(path, data), "docx")


# ------------------------------------------------------------------ html

CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
# Encodings Chinese sites declare, read as the superset that decodes what they really send.
ENCODING_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "big5": "big5hkscs",
    "cp936": "gb18030",
}
BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol tr table tbody thead section article header footer nav aside blockquote pre center dd dt dl form title".split()
)
SKIP_TAGS = frozenset("script style noscript template iframe select option button svg head".split())
TITLE_SPLIT_RE = re.compile(r"\s*(?:[_|｜]|--|-\s|\s-|—)\s*")
MIN_HAN = 30  # a page with less report text than this holds no report
ATTACHMENT_RE = re.compile(r"\.(?:pdf|docx?|wps)(?:$|[?#\s])", re.IGNORECASE)


def decode_html(data: bytes, path: Path) -> tuple[str, str]:
    """Decode a saved page: BOM, then the charset its <meta> declares, then the .txt decoder's guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8"
    match = CHARSET_RE.search(data[:16384])
    if match:
        declared = match.group(1).decode("ascii").lower()
        if declared.replace("-", "") != "utf8" and re.search(rb"[\x80-\xff]", data):
            # a browser's "save page" writes UTF-8 but may keep the site's gb2312 declaration;
            # GBK or Big5 text is practically never valid UTF-8
            try:
                return data.decode("utf-8"), f"utf-8 (the page declares {declared})"
            except UnicodeDecodeError:
                pass
        encoding = ENCODING_ALIASES.get(declared, declared)
        try:
            return data.decode(encoding), declared
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data, path)


def _lines(element) -> list[str]:
    """Visible text of *element*, one block (paragraph, heading, table row, <br> line) a line."""
    parts: list[str] = []

    def walk(node) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in SKIP_TAGS or not tag:
            if node.tail:
                parts.append(node.tail)
            return
        block = tag in BLOCK_TAGS
        if block or tag == "br":
            parts.append("\n")
        if tag in ("td", "th"):
            parts.append(" ")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
        if block:
            parts.append("\n")
        if node.tail:
            parts.append(node.tail)

    walk(element)
    text = "".join(parts).replace("\xa0", " ").replace("\u3000", " ")
    return [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n") if line.strip()]


def _han(text: str) -> int:
    return len(re.findall(r"[\u4e00-\u9fff]", text))


# Characters every report uses often (simplified and traditional): text made of none of them is mojibake.
COMMON = frozenset("的法治建设政府工作年镇乡村在和是为了推进依法行政开展群众宣传提升加强落实建設鎮鄉為進開眾傳昇強實")


def _common_share(text: str) -> float:
    chars = [ch for ch in text if not ch.isspace()]
    return sum(ch in COMMON for ch in chars) / len(chars) if chars else 0.0


def _page_title(tree, metas: dict[str, object]) -> str:
    if metas.get("title"):
        return str(metas["title"]).strip()
    for tag in ("h1", "h2"):
        for element in tree.iter(tag):
            text = " ".join(_lines(element))
            if _han(text) >= 4:
                return text
    titles = [" ".join(_lines(t)) for t in tree.iter("title")]
    if titles and titles[0]:
        return TITLE_SPLIT_RE.split(titles[0])[0].strip()
    return ""


def extract_main(html: str) -> list[str]:
    """The lines of the page's main text block (readability-lxml)."""
    import lxml.html
    from readability import Document

    summary = Document(html).summary(html_partial=True)
    return _lines(lxml.html.fromstring(summary))


@reader(".html", ".htm", ".shtml", ".xhtml")
def read_html(path: Path, data: bytes) -> Loaded:
    html, encoding = decode_html(data, path)
    return html_report(path, html, f"html ({encoding})")


@reader(".mht", ".mhtml")
def read_mht(path: Path, data: bytes) -> Loaded:
    """A page saved as one file (MHTML, "网页，单个文件"): its HTML part, read as a saved page."""
    import email
    import email.policy

    message = email.message_from_bytes(data, policy=email.policy.default)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True) or b""
            declared = (part.get_content_charset() or "").lower()
            try:
                html = payload.decode(ENCODING_ALIASES.get(declared, declared)) if declared else None
                encoding = declared
            except (LookupError, UnicodeDecodeError):
                html = None
            if html is None:
                html, encoding = decode_html(payload, path)
            return html_report(path, html, f"mht ({encoding})")
    raise InputError(path, "is not a page saved as one file (no HTML part in it); save the page again, or paste its text into a .txt")


def html_report(path: Path, html: str, encoding: str) -> Loaded:
    """The report in a decoded page: main text, title first, furniture read into page metadata."""
    import lxml.etree
    import lxml.html

    html = re.sub(r"^\s*<\?xml[^>]*>", "", html)  # lxml refuses an encoding declaration in a str
    try:
        tree = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise InputError(path, f"is not a readable HTML page ({exc})") from exc
    bodies = tree.xpath("//body")
    all_lines = _lines(bodies[0]) if bodies else []
    if _han("".join(all_lines)) == 0:
        raise InputError(
            path, "is an HTML page with no text in its body; save the page again once it has loaded, or paste its text into a .txt"
        )
    page = {k: v for k, v in pagemeta.parse_html(html).items() if v is not None}
    furniture = pagemeta.parse_text("\n".join(all_lines))
    for key in pagemeta.COLUMNS:
        if page.get(key) is None and furniture.get(key) is not None:
            page[key] = furniture[key]
    try:
        main = extract_main(html)
    except Exception:  # readability raises its own errors on odd pages; fall back to the whole body
        main = all_lines
    rules = pagemeta.load_rules()
    kept = [line for line in main if not pagemeta.is_furniture_line(line, rules=rules)]
    # the article's own text has sentences; a block of links and labels has none
    if _han("".join(kept)) < MIN_HAN or not any(re.search(r"[。；，,]", line) and _han(line) >= 10 for line in kept):
        attachments = [
            " ".join(_lines(a)) or a.get("href", "")
            for a in tree.iter("a")
            if ATTACHMENT_RE.search(a.get("href") or "") or ATTACHMENT_RE.search(a.text_content() or "")
        ]
        if attachments:
            raise InputError(
                path,
                f"the page holds no report text but links it as an attachment ({attachments[0]}): "
                "download the attachment and load that file",
            )
        raise InputError(
            path,
            "no report text found in the page: it holds only navigation, links or site furniture; "
            "save the article's own page, or paste the report's text into a .txt",
        )
    title = _page_title(tree, page) or str(furniture.get("title") or "")
    page.pop("title", None)
    if title and not any(re.sub(r"\s", "", title) in re.sub(r"\s", "", line) for line in kept[:3]):
        kept.insert(0, title)
    return Loaded("\n".join(kept), encoding, page)


# ------------------------------------------------------------------ pdf


OUTLINE_LINE_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、]|第[一二三四五六七八九十]+)"
)
PARAGRAPH_END_RE = re.compile(r"[。：:；;！!？?]$")


def join_wrapped(lines: list[str]) -> list[str]:
    """Paragraphs from a PDF page's lines: a line that fills the width runs on into the next.

    A paragraph ends at a line ending in 。：；！？, at a line clearly shorter than
    the page's full lines, or before a line opening with an outline marker (一、 （一） 1.).
    """
    lines = [line.strip() for line in lines if line.strip()]
    if not lines:
        return []
    widths = sorted(len(line) for line in lines)
    full = widths[int(0.8 * (len(widths) - 1))]  # the width of a full line
    out = [lines[0]]
    for previous, line in zip(lines, lines[1:]):
        runs_on = len(previous) >= 0.9 * full and not PARAGRAPH_END_RE.search(previous) and not OUTLINE_LINE_RE.match(line)
        if runs_on or re.match(r"^[，。、；：！？”）》,.;:!?)]", line):
            out[-1] += line
        else:
            out.append(line)
    return out


@reader(".pdf")
def read_pdf(path: Path, data: bytes) -> Loaded:
    """The text layer of a PDF (pypdf), lines wrapped by the page joined back into paragraphs."""
    import logging

    import pypdf
    from pypdf.errors import PyPdfError

    if not data.startswith(b"%PDF"):
        raise InputError(path, "is not a PDF file (it does not start with %PDF); check the file or its extension")
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        document = pypdf.PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in document.pages]
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise InputError(path, f"is a damaged or truncated PDF that cannot be read ({exc.__class__.__name__}); download it again") from exc
    if _han("".join(pages)) < MIN_HAN:
        raise InputError(
            path,
            f"is a PDF without a text layer ({len(pages)} page(s) of images, a scan): it needs OCR first — "
            "run it through an OCR tool (e.g. ocrmypdf -l chi_sim in.pdf out.pdf) and load the result",
        )
    text = "\n".join(join_wrapped([line for page in pages for line in page.split("\n")]))
    if _common_share(text) < 0.02:
        raise InputError(
            path,
            "has a text layer that does not read as Chinese (its fonts carry no Unicode map): "
            "treat it as a scan — it needs OCR first (e.g. ocrmypdf -l chi_sim --force-ocr in.pdf out.pdf)",
        )
    return Loaded(text, "pdf")


# ------------------------------------------------------------------ doc, wps


def soffice() -> str | None:
    """The LibreOffice command, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


@reader(".doc", ".wps")
def read_doc(path: Path, data: bytes, *, timeout: float = 180) -> Loaded:
    """Word 97–2003 and WPS files, converted to text by LibreOffice headless."""
    command = soffice()
    suffix = path.suffix.lower()
    if command is None:
        raise InputError(
            path,
            f"is a {suffix} file and LibreOffice is not installed to read it: install LibreOffice "
            "(apt-get install libreoffice-writer-nogui), or open it in Word/WPS and save it as .docx",
        )
    with tempfile.TemporaryDirectory(prefix="analysis-doc-") as tmp:
        folder = Path(tmp)
        source = folder / f"report{suffix}"
        source.write_bytes(data)
        profile = (folder / "profile").as_uri()
        args = [
            command,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "txt:Text (encoded):UTF8",
            "--outdir",
            str(folder / "out"),
            str(source),
        ]
        try:
            subprocess.run(args, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise InputError(
                path, f"LibreOffice did not convert it within {timeout:.0f} s; open it in Word/WPS and save it as .docx"
            ) from exc
        out = folder / "out" / "report.txt"
        if not out.is_file():
            raise InputError(
                path, f"LibreOffice could not read this {suffix} file (damaged or not a document); open it in Word/WPS and save it as .docx"
            )
        text = out.read_bytes().decode("utf-8-sig", errors="replace")
    if _han(text) == 0:
        raise InputError(path, f"has no text once converted by LibreOffice (an empty or image-only {suffix})")
    if _common_share(text) < 0.02:
        raise InputError(
            path,
            f"LibreOffice could not read this {suffix} file: what came out is not Chinese text (a damaged file?); open it in Word/WPS and save it as .docx",
        )
    return Loaded(text, f"{suffix[1:]} (LibreOffice)")
