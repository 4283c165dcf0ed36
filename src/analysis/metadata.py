"""Who wrote a report, for which year: town, level, county, year reported on, title.

``describe(text)`` reads a cleaned report text — page furniture, addressee
lines and document numbers included — and returns::

    town      the reporting unit's name, simplified (鲍沟镇; 東城區 → 东城区: one town is one group whatever
              the script; a county-level report gives its own name)
    level     镇 / 乡 / 街道 / 苏木 / 县 / 区 / 旗 / 市
    county    the county-level unit the reporter belongs to (its own name for a county-level report), simplified
    year      the year reported on (not the year published)
    title     the title as written (a title over two lines is joined without a space), '' when the text has none
    problems  what could not be found, in plain words, for the problems table
    page      the page metadata (publisher, published, index_no, doc_no, source_url) of the
              furniture in the text, completed by *page* (a saved page's own tags first)

Matching reads a simplified, width-folded view of the text of the same
length; town and county are given as that view writes them, the title as the
text writes it.  Where the text
does not say (a report that calls itself only 我镇), the field is None and a
problem says so: never a fragment of a clause.  The words are knowledge, in
``data/lexicon/places.yml`` (read, with the grammar of a chain of names, by
``analysis.places``); the furniture labels in ``page_furniture.yml``.

How each field is found, in order of trust:

- title: the first line past the furniture that reads as a title (a title
  word such as 报告, no sentence punctuation), joined with a unit line above it
  (赵县人民政府 / 2022年度…报告) or a tail line below it; else the page's 标题 field.
- place: the title's head cut at organ words (鲤城区人民政府金龙街道办事处 →
  鲤城区 | 金龙街道); else the level the report uses for itself (我镇, 本街道,
  县人民政府 opening a clause) and the name of that level the text gives
  (现将古镛镇…, 《岳阳县人民政府…》); else the subject opening the first sentence.
- county: a chain in front of the town anywhere (长沙市天心区坡子街街道,
  furniture included), the publisher, the addressee line, the superior the
  text names (在雷州市委、市政府的领导下, 中共某某县委…, 《某某县…方案》).
- year: the title's year, else the year of the 现将…报告如下 sentence, else
  the year opening a paragraph, else the first year of the body.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable
from dataclasses import dataclass
from functools import lru_cache

from . import pagemeta
from .chinese import YEAR_DIGITS, digits, fold, fold_width
from .lexicon import word_alternation
from .places import HAN, Place, Places, known_place, last_county, load_places, names_in, parse_chain, valid_stem

HEAD_CHARS = 3000  # the part of a report read for its metadata (the opening says who and when)

YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
CN_YEAR_RE = re.compile(rf"([{YEAR_DIGITS}]{{4}})\s*年")
TITLE_PUNCT_RE = re.compile(r"[。；;！？!?，,：:]")
SENTENCE_END_RE = re.compile(r"[。；;！？!?]")
BODY_END_RE = re.compile(r"[。；;]")  # a line with one of these is body text (a site header may say 欢迎您!)
OUTLINE_RE = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、]|第[一二三四五六七八九十]+)")
FILE_NAME_RE = re.compile(r"\.(?:docx?|wps|pdf|txt|html?)\s*$", re.IGNORECASE)
REPORT_SENTENCE_RE = re.compile(r"现[将就把][^。！？\n]{0,80}?(?:报告|汇报|总结|计划)[^。！？\n]{0,10}?如下")
DATE_LINE_RE = re.compile(r"^[（(]?\s*(?:(?:19|20)\d{2}|[〇零一二三四五六七八九]{4})\s*年[^）)]{0,8}日?\s*[）)]?$|^\d{4}-\d{2}-\d{2}")


# ------------------------------------------------------------------ the view


def matching_view(text: str) -> str:
    """The simplified (character by character), width-folded form of *text*: same length, so offsets agree.

    ``chinese.fold`` rather than OpenCC's phrase converter: names and cue words
    need no phrase-level conversion, and the table costs a fraction of a
    millisecond where the converter costs tens on a traditional report.
    """
    return fold_width(fold(text))


# ------------------------------------------------------------------ years


def year_of(text: str) -> int | None:
    """The first year written in *text* (2025年, 二〇二五年), or None."""
    match = YEAR_RE.search(text)
    cn = CN_YEAR_RE.search(text)
    if cn and (not match or cn.start() < match.start()):
        return int(digits(cn.group(1)))
    return int(match.group(1)) if match else None


# ------------------------------------------------------------------ title


def _is_title_line(line: str, places: Places) -> bool:
    line = line.strip()
    if not (5 <= len(line) <= 100) or TITLE_PUNCT_RE.search(line) or OUTLINE_RE.match(line) or FILE_NAME_RE.search(line):
        return False
    return any(word in line for word in places.title_words) and bool(re.search(r"法治|法制|依法|年", line))


def _unit_line(line: str, places: Places) -> bool:
    line = line.strip()
    return 2 <= len(line) <= 40 and not TITLE_PUNCT_RE.search(line) and line.endswith(places.organs + tuple(places.all_suffixes))


@dataclass
class _Head:
    title: str = ""  # view characters
    title_lines: tuple[int, ...] = ()
    body_start: int = 0  # first line of the body
    addressee: str = ""


def _find_head(vlines: list[str], skip: Container[int], places: Places) -> _Head:
    head = _Head()
    candidates = []
    body = len(vlines)
    for number, line in enumerate(vlines):
        stripped = line.strip()
        if not stripped or number in skip:
            continue
        if BODY_END_RE.search(stripped) or (len(stripped) > 40 and re.search(r"[，,]", stripped)) or OUTLINE_RE.match(stripped):
            body = number
            break
        candidates.append(number)
    head.body_start = body
    head.addressee = next(
        (vlines[n].strip() for n in candidates if vlines[n].strip().endswith((":", "：")) and len(vlines[n].strip()) <= 40), ""
    )  # 区委、区政府: (before or after the title)
    for i, number in enumerate(candidates):
        line = vlines[number].strip()
        if line.endswith((":", "：")) and len(line) <= 40:
            continue
        following = candidates[i + 1] if i + 1 < len(candidates) else None
        tail = vlines[following].strip() if following is not None else ""
        if _is_title_line(line, places):
            lines = [number]
            previous = candidates[i - 1] if i > 0 else None
            if (
                previous is not None
                and previous == number - 1
                and _unit_line(vlines[previous], places)
                and re.match(r"^(?:关于|(?:19|20)\d{2}|[〇零一二三四五六七八九]{4})", line)
            ):
                lines.insert(0, previous)
            elif (
                tail
                and following == number + 1
                and len(tail) <= 12
                and not line.endswith(places.title_words)
                and tail.endswith(places.title_words)
            ):
                lines.append(following)
            head.title_lines = tuple(lines)
            head.title = "".join(vlines[n].strip() for n in lines)
            return head
        if (
            tail
            and following == number + 1
            and len(tail) <= 12
            and tail.endswith(places.title_words)
            and _is_title_line(line + tail, places)
        ):
            head.title_lines = (number, following)
            head.title = line + tail
            return head
    # a title run into the body by a converter: 海滨街 2020 年…报告 2020 年,在…
    if body < len(vlines):
        first = vlines[body].strip()
        words = "|".join(re.escape(w) for w in places.title_words if w != "情况")
        match = re.match(rf"^(.{{5,80}}?(?:{words}))\s+", first)
        if match and _is_title_line(match.group(1), places):
            head.title = match.group(1)
            head.title_lines = (body,)
    return head


# ------------------------------------------------------------------ place


def place_from_title(title: str, places: Places) -> Place | None:
    """The reporting unit named in a title, with the county written in front of it.

    Read at the head (某某镇2025年…, 某某镇人民政府关于…), else right after the
    year or 关于 (2025年度某某镇法治…, 关于2024年度某某街道法治…).
    """
    parts = re.split(r"关于|(?:19|20)\d{2}\s*年度?|[〇零一二三四五六七八九]{4}\s*年度?", title)
    for part in parts:
        head = re.split(r"法治|法制|依法|工作", part, maxsplit=1)[0]
        place = _place_in_head(head, places)
        if place is not None:
            return place
    return None


def _place_in_head(head: str, places: Places) -> Place | None:
    head = head.replace("中共", " ")
    organs = word_alternation(places.organs)
    phrases = [p for p in re.split(rf"(?:{organs})|\s+", head) if p]
    found: list[Place] = []
    for phrase in phrases:
        place = parse_chain(phrase, places, min_stem=1)
        if place is None and phrase.endswith("街") and len(phrase) >= 3:  # a unit calling itself 某某街
            stem = phrase[:-1]
            if valid_stem(stem, places, min_len=2):
                place = Place(name=phrase, level="街道", start=0, end=len(phrase))
        if place is not None:
            found.append(place)
    if not found:
        return None
    towns = [p for p in found if p.level in ("镇", "乡", "街道", "苏木")]
    if towns:
        town = towns[-1]
        county = town.county or next((p.name for p in found if p.level not in ("镇", "乡", "街道", "苏木")), None)
        return Place(town.name, town.level, 0, 0, county)
    unit = found[-1]
    return Place(unit.name, unit.level, 0, 0, unit.name)


def _self_level(body: str, places: Places) -> str | None:
    """The level a report uses for itself: 我镇, 本街道, or 县人民政府/区政府/街道 opening a clause."""
    counts: dict[str, list[int]] = {}
    levels = {**places.town_suffixes, **places.county_suffixes}
    endings = word_alternation(tuple(levels))
    prefixes = word_alternation(places.self_prefixes)
    for match in re.finditer(rf"(?:{prefixes})({endings})", body):
        counts.setdefault(levels[match.group(1)], []).append(match.start())
    organ = r"(?:人民政府|政府|办事处|党工委)"
    for match in re.finditer(rf"(?:^|(?<=[,，。；;:：\n]))\s*(?:({endings}){organ}|(街道))(?![委、和及与的])(?=[{HAN}])", body):
        ending = match.group(1) or match.group(2)
        counts.setdefault(levels[ending], []).append(match.start())
    if not counts:
        return None
    return max(counts, key=lambda level: (len(counts[level]), -counts[level][0]))


def _clause_subject(body: str, places: Places) -> Place | None:
    """The unit opening one of the first sentences: 2025年，大中街道在区委… → 大中街道."""
    leads = word_alternation(places.lead_words)
    organs = word_alternation(places.organs)
    for sentence in re.split(r"[。！？\n]", body)[:4]:
        offset = body.find(sentence)
        for clause_match in re.finditer(r"[^,，;；:：]+", sentence):
            clause = clause_match.group(0)
            start = offset + clause_match.start()
            stripped = re.sub(rf"^\s*(?:(?:19|20)\d{{2}}\s*年度?|{leads})*\s*", "", clause)
            start += len(clause) - len(stripped)
            if not stripped or stripped.startswith("在"):
                continue
            stripped2 = stripped[2:] if stripped.startswith("中共") else stripped
            start += len(stripped) - len(stripped2)
            match = re.match(rf"[{HAN}]{{2,20}}?(?=(?:{organs})|[、]|(?<=[镇乡道区县旗市木]))", stripped2)
            chain = match.group(0) if match else ""
            place = parse_chain(chain, places, min_stem=2) if chain else None
            if place is not None and place.level in places.county_suffixes.values():
                place = _town_after(stripped2, place, places) or place  # 明吉区安宝镇在…: the town, in that county
            if place is None:
                ends = [m.end() for m in places.suffix_re.finditer(stripped2[:20])]
                for length in sorted(ends, reverse=True):
                    if length < 3 or stripped2[length : length + 1] == "委":
                        continue
                    place = parse_chain(stripped2[:length], places, min_stem=2)
                    if place is not None:
                        break
            if place is not None:
                start += max(0, stripped2.find(place.name))  # the name's own span, after any county written before it
                return Place(place.name, place.level, start, start + len(place.name), place.county)
            break  # only the clause's opening words can be its subject
    return None


def _town_after(clause: str, county: Place, places: Places) -> Place | None:
    """The town written right after the county that opens *clause* (某某区某某镇在区委…), in that county; else None."""
    town_levels = set(places.town_suffixes.values())
    for match in sorted(places.suffix_re.finditer(clause[:24]), key=lambda m: -m.end()):
        if match.end() <= len(county.name) + 2:
            break
        longer = parse_chain(clause[: match.end()], places, min_stem=2)
        if longer is None or longer.level not in town_levels or longer.county is None:
            continue
        between = clause[len(county.name) : match.end() - len(longer.name)]  # 天心区 in 长沙市天心区坡子街街道
        if longer.county == county.name or (between.endswith(longer.county) and len(between) <= len(longer.county) + 6):
            return longer
    return None


def _county_candidates(view: str, body: str, town: Place | None, addressee: str, publisher: str | None, places: Places) -> str | None:
    county_suffixes = places.county_suffixes
    if town is not None:
        # a chain in front of the town anywhere: 高平市寺庄镇, 河东区汤头街道, 鲤城区人民政府金龙街道
        for match in re.finditer(re.escape(town.name), view):
            before = view[max(0, match.start() - 20) : match.start()]
            before = re.sub(r"(?:人民政府|政府)$", "", before)
            chain_match = re.search(rf"[{HAN}]+$", before)
            if chain_match:
                county = last_county(chain_match.group(0), places)
                if county and county != town.name:
                    return county
    for source in (publisher or "", addressee):
        if source:
            found = [p for p in names_in(source, county_suffixes, places) if town is None or p.name != town.name]
            if not found:
                head = re.split("、|,|，|和", source.replace("中共", ""))[0]
                head = re.split("|".join(places.organs), head)[0]
                place = parse_chain(head, places, min_stem=2) if head else None
                if place is not None and place.level in ("县", "区", "旗", "市"):
                    found = [place]
            if found:
                return _pick_county(found)
    # the superior the body names: 在某某县委…, 中共某某县委…, 《某某县…》 (strong); 某某县委 or
    # 省、某某市和某某市 (weak: only a name the dictionary knows, so no clause fragment)
    superior = word_alternation(places.superior_words)
    named = names_in(body, county_suffixes, places, max_stem=5)
    if town is not None:
        named = [p for p in named if p.name != town.name]
    classes: list[list[Place]] = [[], [], [], []]
    for place in named:
        after = body[place.end : place.end + 4]
        before = body[max(0, place.start - 2) : place.start]
        if re.match(rf"(?:{superior})", after) and before.endswith(("在", "中共")):
            classes[0].append(place)
        elif before.endswith("《"):
            classes[1].append(place)
        elif re.match(rf"(?:{superior})", after) and known_place(place.name):
            classes[2].append(place)
        elif before[-1:] in ("、", "和", "及", "与") and known_place(place.name):
            classes[3].append(place)
    for group in classes:
        if group:
            return _pick_county(group)
    return None


def _pick_county(group: list[Place]) -> str:
    """The county-level unit among superiors: a 县/区/旗 before a 市; in a list 湛江市委、廉江市委 the last."""
    lower = [p for p in group if not p.name.endswith("市")]
    if lower:
        return lower[0].name
    chosen = group[0]
    for place in group[1:]:
        if place.start - chosen.end <= 6 and place.name != chosen.name:
            chosen = place
        else:
            break
    return chosen.name


def _name_of_level(body: str, level: str, places: Places, *, subject: Place | None) -> Place | None:
    if subject is not None and subject.level == level:
        return subject
    suffixes = {e: lv for e, lv in places.all_suffixes.items() if lv == level}
    named = names_in(body, suffixes, places)
    if not named:
        return None
    counts: dict[str, list[Place]] = {}
    for place in named:
        counts.setdefault(place.name, []).append(place)
    best = max(counts.values(), key=lambda ps: (len(ps), -ps[0].start))
    return best[0]


# ------------------------------------------------------------------ describe


class _HeadSkip:
    """The lines of a head to pass over: furniture (*listed*, and any line among the first 60 that reads as
    such), a file name, a date line, a line of two characters or fewer.  A line is tested when first asked
    about: the head ends a few lines in, and testing all 60 lines of every report took most of reading it."""

    def __init__(self, vlines: list[str], listed: Iterable[int]) -> None:
        self._vlines = vlines
        self._known = dict.fromkeys(listed, True)

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, int):
            return False
        found = self._known.get(number)
        if found is None:
            found = self._known[number] = 0 <= number < 60 and self._passed(self._vlines[number].strip())
        return found

    @staticmethod
    def _passed(stripped: str) -> bool:
        return bool(stripped) and bool(
            pagemeta.is_furniture_line(stripped, simple=stripped)
            or FILE_NAME_RE.search(stripped)
            or DATE_LINE_RE.match(stripped)
            or len(stripped) <= 2
        )


def _read_head(text: str, places: Places, view: str | None = None):
    """The view, its lines, the page furniture, the head found, line offsets and the title's spans in *text*."""
    if view is None or len(view) < len(text):
        view = matching_view(text)
    view = view[: len(text)]
    vlines = view.split("\n")
    furniture = pagemeta.parse_text(text, simple=view)
    skip = _HeadSkip(vlines, furniture["lines"])
    head = _find_head(vlines, skip, places)
    offsets = [0]
    for line in vlines:
        offsets.append(offsets[-1] + len(line) + 1)
    spans = []
    for n in head.title_lines:
        line_view = vlines[n]
        lead = len(line_view) - len(line_view.lstrip())
        start = offsets[n] + lead
        if n == head.body_start and len(head.title_lines) == 1 and not _is_title_line(line_view.strip(), places):
            spans.append((start, start + len(head.title)))  # a title run into the body line
        else:
            spans.append((start, offsets[n] + len(line_view.rstrip())))
    return view, vlines, furniture, head, offsets, spans, skip


def head_spans(text: str, *, places: Places | None = None) -> tuple[tuple[int, int] | None, int]:
    """Where the title stands in *text* ((start, end), or None when it has no title line) and where the body starts.

    Furniture, the title (and what stands before it), an addressee line and a
    date line under the title stand before the body start; any other line is
    the body's, its preamble.
    """
    head_text = text
    if len(text) > HEAD_CHARS:
        cut = text.rfind("\n", 0, HEAD_CHARS)
        head_text = text[: cut if cut > 0 else HEAD_CHARS]
    if places is None:  # the stages ask for the same report's head several times: read it once
        return _default_head_spans(head_text, len(text))
    return _head_spans(head_text, len(text), places)


@lru_cache(maxsize=1024)
def _default_head_spans(head_text: str, length: int) -> tuple[tuple[int, int] | None, int]:
    return _head_spans(head_text, length, load_places())


def _head_spans(head_text: str, length: int, places: Places) -> tuple[tuple[int, int] | None, int]:
    _, vlines, _, head, offsets, spans, skip = _read_head(head_text, places)
    title = (spans[0][0], spans[-1][1]) if spans else None
    if head.title_lines:
        last = head.title_lines[-1]
        if spans[-1][1] < offsets[last] + len(vlines[last].rstrip()):
            return title, spans[-1][1]  # a title run into the first line of the body
        n = last + 1
    else:
        n = 0
    # past the furniture, an addressee line and a date line; any other line is the body's (its preamble)
    while n < len(vlines):
        stripped = vlines[n].strip()
        if stripped and n not in skip and not (stripped.endswith((":", "：")) and len(stripped) <= 40):
            break
        n += 1
    return title, (offsets[n] if n < len(vlines) else length)


def describe(text: str, *, page: dict | None = None, places: Places | None = None, view: str | None = None) -> dict[str, object]:
    """Town, level, county, year, title and problems of a cleaned report text (see the module's docstring).

    *page*: page metadata already read (``pagemeta.parse_text`` / ``parse_html``); read from *text* when None.
    *view*: ``matching_view(text)`` when the caller has it (read once per report).
    """
    places = places or load_places()
    if len(text) > HEAD_CHARS:  # who wrote it and when is said in the opening
        cut = text.rfind("\n", 0, HEAD_CHARS)
        text = text[: cut if cut > 0 else HEAD_CHARS]
    view, vlines, furniture, head, offsets, spans, _ = _read_head(text, places, view)
    page = {**furniture, **{k: v for k, v in (page or {}).items() if v is not None}}
    title_view = head.title
    if head.title_lines:
        title = "".join(text[a:b] for a, b in spans)
    elif page.get("title"):
        title = str(page["title"])
        title_view = matching_view(title)
    else:
        title = ""
    body_offset = offsets[min(head.body_start, len(vlines))] if head.body_start < len(vlines) else len(view)
    body = view[body_offset:]
    problems: list[str] = []

    # ---- place
    place = place_from_title(title_view, places) if title_view else None
    subject = _clause_subject(body, places)
    town_name: str | None = None
    level: str | None = None
    county: str | None = None
    if place is not None:
        level = place.level
        town_name = place.name
        county = place.county
    else:
        level = _self_level(body, places)
        if level is None and subject is not None:
            level = subject.level
        if level is None:
            weak = re.findall(r"全(街道|镇|乡|县|区|旗)", body)
            level = weak[0] if weak else None
        if level is not None:
            named = _name_of_level(body, level, places, subject=subject)
            if named is not None:
                town_name = named.name
    if town_name is None and level is None and page.get("publisher"):
        other = parse_chain(matching_view(str(page["publisher"])).replace("人民政府", ""), places, min_stem=2)
        if other is not None:
            town_name, level, county = other.name, other.level, other.county
    if level in ("县", "区", "旗", "市") and town_name:
        county = town_name
        if level == "市" and re.search(r"省委[、，,]?\s*省(?:人民)?政府", view[: body_offset + 400]):
            county = None  # a city answering to the province is above county level
    elif level is not None:
        town = Place(town_name, level, 0, 0) if town_name else None
        county = county or _county_candidates(view, body, town, head.addressee, page.get("publisher"), places)

    # names are given in the simplified view (大順鎮 → 大顺镇): one town is one group whatever script a
    # year's report was written in; the title is quoted as written
    # ---- year
    year = year_of(title_view) if title_view else None
    if year is None:
        sentence = REPORT_SENTENCE_RE.search(body)
        if sentence:
            year = year_of(sentence.group(0))
    if year is None:
        for line in body.split("\n"):
            match = re.match(r"^\s*((?:19|20)\d{2})\s*年", line)
            if match:
                year = int(match.group(1))
                break
    if year is None:
        year = year_of(body)

    if level is None:
        problems.append("the reporting unit is not named in the title or the opening (town and level left empty)")
    elif town_name is None:
        problems.append(f"the text calls its unit only by its level ({level}), never by name: town left empty")
    if year is None:
        problems.append("the year reported on is not stated (year left empty)")
    columns = {key: page.get(key) for key in pagemeta.COLUMNS}
    return {"town": town_name, "level": level, "county": county, "year": year, "title": title, "problems": problems, "page": columns}


# ------------------------------------------------------------------ same report twice


KEPT_RE = re.compile(rf"[{HAN}0-9A-Za-z]+")  # what a fingerprint keeps: Chinese, digits and letters


def fingerprint(text: str, *, places: Places | None = None, view: str | None = None) -> str:
    """A key equal for two copies of one report however they were saved (page, pasted text, PDF, .doc).

    It covers the body's sentences and outline headings only — past the title
    and the furniture, without the link lists and buttons a pasted page carries
    at its end, without line breaks, spaces and punctuation, in simplified
    characters — so a saved page and the text pasted from it share it.
    """
    import hashlib

    places = places or load_places()
    if view is None or len(view) != len(text):
        view = matching_view(text)
    vlines = view.split("\n")
    stripped_lines = [line.strip() for line in vlines]
    skip = {n for n, stripped in enumerate(stripped_lines) if stripped and pagemeta.is_furniture_line(stripped, simple=stripped)}
    head = _find_head(vlines, skip, places)
    kept = []
    for number in range(head.body_start, len(vlines)):
        stripped = stripped_lines[number]
        if number in skip or not stripped:
            continue
        if "，" in stripped or "," in stripped or BODY_END_RE.search(stripped) or OUTLINE_RE.match(stripped):
            kept.append(stripped)
    # the runs of kept characters joined (a third faster than removing the others with a substitution)
    body = "".join(KEPT_RE.findall("".join(kept)))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
