"""An executed notebook as a briefing page: outputs and markdown only, cleaned, self-contained HTML.

``to_html(nb, title=..., footer=...)`` drops the code, the prompts and what
went to stderr, keeps only safe output (``SAFE_TAGS``, ``SAFE_ATTRIBUTES``,
``SAFE_OUTPUT_KEYS``), fills the template ``templates/briefing`` and embeds
the CJK font cut down to the page's own characters (``embed_font``), so the
page shows Chinese on any machine and loads nothing from outside.
"""

from __future__ import annotations

import copy
import html
import re
from functools import lru_cache

from .. import config, fonts
from .._version import __version__
from .contents import add_contents

TEMPLATE_DIR = config.TEMPLATES_DIR
TEMPLATE_NAME = "briefing"

# What a briefing may contain once executed: tables, text, figures.  Anything
# else an output carries (script, widget state, JavaScript) is dropped, and
# HTML is cleaned of script, event handlers and outside references.
SAFE_TAGS = frozenset(
    "a abbr b blockquote br caption code col colgroup dd del details div dl dt em figcaption figure "
    "h1 h2 h3 h4 h5 h6 hr i img ins li mark ol p pre s small span strong style sub summary sup "
    "table tbody td tfoot th thead tr u ul".split()
)
SAFE_ATTRIBUTES = frozenset("class id title style lang dir align valign border colspan rowspan scoped width height alt".split())
# The drawings the browser makes of a chart of points (``plots.svg.PointChart``): dots, lines, triangles and words,
# nothing that links, loads or runs.  An attribute's value must be numbers, a colour or a keyword (no quote, colon or
# slash: no url() or script); the words are the elements' text.
SVG_ATTRIBUTES = {
    "svg": frozenset("viewBox role aria-label".split()),
    "line": frozenset("x1 y1 x2 y2 stroke stroke-width stroke-opacity stroke-linecap".split()),
    "circle": frozenset("cx cy r fill fill-opacity stroke stroke-width".split()),
    "polygon": frozenset("points fill fill-opacity".split()),
    "text": frozenset("x y fill font-size text-anchor dominant-baseline transform".split()),
}
SVG_VALUE_RE = re.compile(r"[-#\w.,() %]*")
SAFE_OUTPUT_KEYS = frozenset({"metadata", "text/plain", "image/png", "image/jpeg", "image/svg+xml"})


def _attribute_allowed(tag: str, name: str, value: str) -> bool:
    if tag in SVG_ATTRIBUTES and name in SVG_ATTRIBUTES[tag]:
        return name == "aria-label" or bool(SVG_VALUE_RE.fullmatch(value))
    if tag == "img" and name == "src":
        return value.startswith("data:image/")
    if tag == "a" and name == "href":
        return value.startswith("#") or bool(re.fullmatch(r"[\w.\-]+\.html(?:#[\w\-]*)?|(?:[\w.\-]+/)*[\w.\-]+\.(?:csv|xlsx|png)", value))
    return name in SAFE_ATTRIBUTES


# The one scheme an ``href`` or ``src`` may carry (nh3 drops the others); ``_attribute_allowed`` then keeps it only
# as a picture's ``data:image/…``, and a link only when relative, to the briefings' own pages and tables.
URL_SCHEMES = frozenset({"data"})


@lru_cache(maxsize=1)
def _css_sanitizer():
    """bleach's CSS filter with nbconvert's allowed properties, made once."""
    from bleach.css_sanitizer import CSSSanitizer
    from nbconvert.preprocessors.sanitize import ALLOWED_STYLES

    return CSSSanitizer(allowed_css_properties=ALLOWED_STYLES)


@lru_cache(maxsize=4096)
def _clean_style(value: str) -> str:
    """A style attribute with only the declarations of properties nbconvert allows (bleach's CSS filter, as nbconvert uses it)."""
    return _css_sanitizer().sanitize_css(value)


def _filter_attribute(tag: str, name: str, value: str) -> str | None:
    """nh3's callback: the attribute as kept (its style declarations filtered), or None to drop it."""
    if not _attribute_allowed(tag, name, value):
        return None
    return _clean_style(value) if name == "style" else value


@lru_cache(maxsize=1)
def _cleaner():
    """The HTML cleaner of outputs, compiled once: nh3 (ammonia, in Rust), about 13 times faster than bleach.

    Tags outside ``SAFE_TAGS`` are dropped with their markup (their text
    stays, as text); ``script`` goes with its content; comments go; each
    attribute must be in ``SAFE_ATTRIBUTES`` (or be a picture's ``src`` or a
    link's ``href``) and pass ``_filter_attribute``.
    """
    import nh3

    return nh3.Cleaner(
        tags=set(SAFE_TAGS) | set(SVG_ATTRIBUTES),
        clean_content_tags={"script"},
        attributes={"*": set(SAFE_ATTRIBUTES), "img": {"src"}, "a": {"href"}, **{tag: set(names) for tag, names in SVG_ATTRIBUTES.items()}},
        attribute_filter=_filter_attribute,
        strip_comments=True,
        link_rel=None,
        url_schemes=set(URL_SCHEMES),
    )


@lru_cache(maxsize=1)
def _sanitizer():
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    class OutputSanitizer(SanitizeHTML):
        """Cleans what the code cells printed; the notebook's own markdown is trusted."""

        def preprocess_cell(self, cell, resources, cell_index):
            if cell.cell_type == "code":
                cell.outputs = self.sanitize_code_outputs(cell.outputs)
            return cell, resources

        def sanitize_html_tags(self, html_str):
            """Clean with nh3 (``_cleaner``) instead of nbconvert's bleach: the same tags, attributes and style
            properties kept, about 30 ms less for a town page."""
            return _cleaner().clean(html_str)

    return OutputSanitizer(safe_output_keys=set(SAFE_OUTPUT_KEYS))


FIGURE_ALT = "图"  # a figure's alternative text (nbconvert would write an English sentence)
_FOCUSABLE_RE = re.compile(r'(<div class="(?:[^"]*\s)?(?:jp-Cell-inputWrapper|jp-OutputArea-output)(?:\s[^"]*)?")(?![^>]*\btabindex=)')


def finish_page(page: str) -> str:
    """What nbconvert's HTML exporter does last, without parsing the whole page again.

    Every figure gets an alternative text (in Chinese), and every output
    area and input wrapper is focusable (``tabindex="0"``), so a keyboard
    can scroll a wide table.  nbconvert does this with BeautifulSoup over the
    whole page, embedded figures and style sheets included: 0.2 s a page, a
    tenth of a town briefing at 1,000 reports.  The markup matched here is
    the template's own: report text is escaped before it reaches a page.
    """
    page = _with_alts(page)
    return _FOCUSABLE_RE.sub(r'\1 tabindex="0"', page)


def _with_alts(page: str) -> str:
    """``alt="图"`` after each ``<img`` with no ``alt=`` before the tag's end (``<img(?![^>]*\\balt=)``).

    Found with string searches: the regular expression backtracked through
    the whole of an embedded picture (5 ms a town page, against 1).
    """
    parts, last, at = [], 0, page.find("<img")
    while at != -1:
        start = at + len("<img")
        close = page.find(">", start)
        if not _has_alt(page, start, len(page) if close == -1 else close):
            parts += [page[last:start], f' alt="{FIGURE_ALT}"']
            last = start
        at = page.find("<img", start)
    return "".join([*parts, page[last:]])


def _has_alt(page: str, start: int, end: int) -> bool:
    """``alt=`` within ``page[start:end]`` after a character that is not part of a word (``\\b``)."""
    at = page.find("alt=", start, end)
    while at != -1:
        if not (page[at - 1].isalnum() or page[at - 1] == "_"):
            return True
        at = page.find("alt=", at + 1, end)
    return False


MARKDOWN_KEPT = 4096  # markdown texts whose HTML one process keeps


@lru_cache(maxsize=1)
def _exporter():
    """One exporter per process: its template is compiled once, not once a page."""
    from jinja2 import pass_context
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class BriefingExporter(HTMLExporter):
        """nbconvert's HTML exporter with its last pass (``finish_page``) done by two regular expressions,
        and each markdown text turned into HTML once a process (the town pages of a build share their markdown cells)."""

        _markdown: dict[tuple[str, str], str] = {}

        @pass_context
        def markdown2html(self, context, source):
            cell = context.get("cell", {})
            if cell.get("attachments") or "![" in source or "<img" in source:  # a picture is read from its file: not kept
                return super().markdown2html(context, source)
            key = (source, context.get("resources", {}).get("metadata", {}).get("path", ""))
            if key not in self._markdown:
                if len(self._markdown) >= MARKDOWN_KEPT:
                    self._markdown.clear()
                self._markdown[key] = super().markdown2html(context, source)
            return self._markdown[key]

        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter.from_notebook_node (nbconvert 7) up to its BeautifulSoup pass
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name"))
            self.register_filter("highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter(
                "filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
            )
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return finish_page(page), resources

    return BriefingExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        optimistic_validation=True,  # validate the notebook once after the preprocessors, not after each of the twelve
    )


def to_html(nb, *, title: str, footer: str = "") -> str:
    """An executed notebook as a briefing: outputs and markdown only, cleaned, self-contained.

    Code cells without output disappear, text written to stderr (warnings,
    logs) is left out, cell ids are renumbered so two runs give the same file,
    and every output's HTML is cleaned of script and outside references.
    """
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.get("name") == "stderr")]
            if not cell.outputs:
                continue
        if cell.cell_type == "raw":
            continue
        cell.id = f"cell-{len(cells)}"
        cells.append(cell)
    nb.cells = cells
    nb.metadata["title"] = title
    nb.metadata.pop("papermill", None)
    nb, _ = _sanitizer().preprocess(nb, {})
    body, _ = _exporter().from_notebook_node(nb, resources={"analysis_version": __version__, "analysis_footer": footer})
    return embed_font(add_contents(body))


FONT_FAMILY = "AnalysisCJK"
FONT_MARKER = "/* analysis:font-face */"
# a style or script element whole: the runs between two "<" taken at once (a page's styles are some 270,000
# characters, which ".*?" tried one by one: a town page's text 2.8 → 0.2 ms), up to the first closing tag
_STYLE_OR_SCRIPT_RE = re.compile(r"<(style|script)\b[^<]*(?:<(?!/\1\s*>)[^<]*)*</\1\s*>", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]*>")


def page_text(page: str) -> str:
    """The characters a page shows: its text outside tags, styles and scripts, unescaped."""
    return html.unescape(_TAG_RE.sub(" ", _STYLE_OR_SCRIPT_RE.sub(" ", page)))


def font_face(text: str) -> str:
    """A CSS ``@font-face`` embedding the CJK font cut down to the characters of *text*.

    The page then shows Chinese in the figures' font on any machine, with no
    font installed and nothing fetched.  During a run of briefings the font is
    cut from the run's font (``fonts.page_font``).
    """
    return fonts.font_face(text, FONT_FAMILY)


def embed_font(page: str) -> str:
    """Put the ``@font-face`` for the page's own characters where the template left its marker."""
    if FONT_MARKER not in page:
        return page
    return page.replace(FONT_MARKER, font_face(page_text(page)), 1)
