"""Which indicator a quantity counts: the clause grammar of ``indicators.yml`` applied to a report's text.

keys_for   the keys a quantity at text[start:end] in that unit may count, best first
map_text   every quantity of a text (``quantities.find_quantities``) with its key ('' when none)

A key is chosen from the cue words around the number — in its list item,
right after it, in its clause, within ``cue_distance`` characters — each
place scored by the ``scores`` table of indicators.yml; a part of a whole
(``其中``, a parenthesis right after it) takes the whole's key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ..quantities import Quantity, find_quantities
from .rules import IndicatorRules, load_rules

SENTENCE_BREAK = "。；;！？!?\n"
CLAUSE_BREAK = "，,；;。！？!?：:\n"
ITEM_BREAK = "、，,；;。！？!?：:\n（()）"
AFTER_BREAK = "，,；;。、！？!?\n（("
AFTER_MAX = 20
PART_MARKER = "其中"
NESTED_RE = re.compile(rf"^\s*(?:[（(]|[，,]?\s*{PART_MARKER})")
QUOTE_OPEN = "“‘「『"
QUOTE_CLOSE = "”’」』"
VERB_TAIL = " \u3000了共计累达约近超过"  # what may stand between a repeated verb and its number (开展了共计2场次)


def _last_break(text: str, chars: str, lo: int, hi: int) -> int:
    """Index just after the last of *chars* in text[lo:hi], else lo."""
    match = _up_to_last(chars).match(text, lo, max(lo, hi))
    return match.end() if match else lo


@lru_cache(maxsize=16)
def _up_to_last(chars: str) -> re.Pattern[str]:
    """Everything up to and including the last of *chars* (one scan in C instead of an rfind per character)."""
    return re.compile(f"(?s).*[{re.escape(chars)}]")


def _next_break(text: str, chars: str, lo: int, hi: int) -> int:
    """Index of the first of *chars* in text[lo:hi], else hi."""
    match = _one_of(chars).search(text, lo, hi)
    return match.start() if match else hi


@lru_cache(maxsize=16)
def _one_of(chars: str) -> re.Pattern[str]:
    """Any one of *chars* (one scan in C instead of a find per character)."""
    return re.compile(f"[{re.escape(chars)}]")


def _context(text: str, start: int) -> tuple[int, int, int]:
    """Starts of the sentence, the clause and the item that a number at *start* stands in."""
    sentence_start = _last_break(text, SENTENCE_BREAK, max(0, start - 200), start)
    clause_start = _last_break(text, CLAUSE_BREAK, sentence_start, start)
    return sentence_start, clause_start, _last_break(text, ITEM_BREAK, clause_start, start)


def keys_for(text: str, start: int, end: int, unit: str, *, rules: IndicatorRules | None = None, window: bool = True) -> list[str]:
    """The canonical keys of the quantity text[start:end] with *unit*, by the clause grammar.

    Usually one key or none ([]).  When one number is stated for several
    subjects (办结率和满意度均达100%, 执法记录仪、执法终端各5台) one entry per
    subject, in order, '' for a subject no key fits.  ``window=False`` reads
    only the number's own clause and the words after it, not the sentence
    before the clause.
    """
    return _keys(text, start, end, unit, rules or load_rules(), _context(text, start), window)


def _keys(text: str, start: int, end: int, unit: str, rules: IndicatorRules, context: tuple[int, int, int], window: bool) -> list[str]:
    """``keys_for`` with the number's ``_context`` given (``map_text`` has it already)."""
    if not rules.unit_keys(unit):
        return []
    subjects = _subjects(text, start, context[1], context[2], rules)
    if subjects:
        keys = []
        for i, subject in enumerate(subjects):
            # a subject reads its own words, and the verb that leads the list (办理 in 办理行政复议、行政应诉案件各1件)
            others = [s for j, s in enumerate(subjects) if j not in (0, i)]
            ranked = _ranked(
                text, start, end, unit, rules, context, item=subject, others=others, verbs_only=subjects[:1] if i else (), window=window
            )
            keys.append(rules.keys[ranked[0][2]].name if ranked else "")
        return keys
    ranked = _ranked(text, start, end, unit, rules, context, window=window)
    if not ranked or _mixed_total(text, start, end, unit, rules, context):
        return []
    key = _attended(text, context[2], start, rules.keys[_preferred(ranked, rules)].name, rules)
    return [key] if key else []


def _preferred(ranked: list[tuple[float, int, int]], rules: IndicatorRules) -> int:
    """Index of the winning key: the best, unless a key that `prefer` puts before it qualifies too
    (召开党委会开展专题学法3次: the study held in a meeting is a study session)."""
    best = ranked[0][2]
    for _, _, index in ranked[1:]:
        if rules.keys[best].name in rules.prefer.get(rules.keys[index].name, ()):
            return index
    return best


def _attended(text: str, item_start: int, start: int, key: str, rules: IndicatorRules) -> str:
    """The key of sitting in the event rather than holding it, when an `attendance` verb stands in the item
    (司法所长列席政府领导会议2次 → ''); *key* itself when the table has no entry for it."""
    if key in rules.attendance and any(verb in text[item_start:start] for verb in rules.attendance_verbs):
        return rules.attendance[key]
    return key


def _list_items(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Spans of the items of a 、 list in text[lo:hi] (a 、 inside a quotation joins nothing)."""
    items, depth, begin = [], 0, lo
    for i in range(lo, hi):
        char = text[i]
        if char in QUOTE_OPEN:
            depth += 1
        elif char in QUOTE_CLOSE:
            depth = max(0, depth - 1)
        elif char == "、" and depth == 0:
            items.append((begin, i))
            begin = i + 1
    items.append((begin, hi))
    return [(a, b) for a, b in items if text[a:b].strip()]


def _mixed_total(text: str, start: int, end: int, unit: str, rules: IndicatorRules, context: tuple[int, int, int]) -> bool:
    """True when the number totals a 、 list of activities of different keys
    (开展学习培训、宣传宣讲、政治轮训100余场次): one figure for several kinds, so no key.

    Each item is read on its own words plus the verb that leads the list; items
    no key fits do not count (发放资料、悬挂条幅3个 stays banners_posters).
    """
    _, clause_start, item_start = context
    if item_start <= clause_start or text[item_start - 1] != "、":
        return False
    # the list starts after the clause's last count (专题学习12次、讲座培训2场: each item has its own number)
    list_start = max([clause_start] + [clause_start + q.end for q in find_quantities(text[clause_start:item_start])])
    items = _list_items(text, list_start, start)
    if len(items) < 2:
        return False
    found = set()
    for i, item in enumerate(items):
        others = [s for j, s in enumerate(items) if j not in (0, i)]
        ranked = _ranked(text, start, end, unit, rules, context, item=item, others=others, verbs_only=items[:1] if i else (), window=False)
        if ranked:
            found.add(rules.keys[_preferred(ranked, rules)].name)
    return len(found) > 1


def _ranked(
    text: str,
    start: int,
    end: int,
    unit: str,
    rules: IndicatorRules,
    context: tuple[int, int, int],
    *,
    item: tuple[int, int] | None = None,
    others: Sequence[tuple[int, int]] = (),
    verbs_only: Sequence[tuple[int, int]] = (),
    window: bool = True,
) -> list[tuple[float, int, int]]:
    """(−score, distance of the nearest cue, key index) of the keys that qualify, best first.

    *item* replaces the number's own item (a subject of a list); no cue in
    the *others* spans (the other subjects) is read, and only the verbs of
    the *verbs_only* spans.  *context* is ``_context(text, start)``.
    """
    sentence_start, clause_start, item_start = context
    item_lo, item_hi = item or (item_start, start)
    window_start = max(sentence_start, clause_start - rules.cue_distance) if window else clause_start
    after_end = _next_break(text, AFTER_BREAK, end, min(len(text), end + AFTER_MAX))
    candidates = rules.unit_keys(unit)
    if not candidates:
        return []
    wanted = set(candidates)
    objects: dict[int, float] = {}
    verbs: dict[int, float] = {}
    distance: dict[int, int] = {}
    for m_start, m_end, entries in _cues(text, window_start, after_end, rules, wanted):
        if m_start < end and start < m_end:
            continue
        if others and any(lo <= m_start < hi for lo, hi in others):
            continue
        elsewhere = bool(verbs_only) and any(lo <= m_start < hi for lo, hi in verbs_only)
        if m_start >= end:
            place, gap = "after", m_start - end
        elif item_lo <= m_start < item_hi:
            place, gap = "item", start - m_end
        elif m_start >= clause_start:
            place, gap = "clause", start - m_end
        else:
            place, gap = "window", start - m_end
        for index, kind in entries:
            if index not in wanted or (elsewhere and kind != "verb"):
                continue
            score = rules.scores[kind][place]
            if kind == "verb":
                verbs[index] = max(verbs.get(index, 0.0), score)
            else:
                objects[index] = max(objects.get(index, 0.0), score)
            if score > 0:
                distance[index] = min(distance.get(index, 10**6), gap)
    scored = []
    for index in candidates:
        key = rules.keys[index]
        if key.need == "verb" and not verbs.get(index):
            continue
        score = objects.get(index, 0.0) + verbs.get(index, 0.0)
        if score >= rules.min_score:
            scored.append((-score, distance.get(index, 10**6), index))
    return sorted(scored)


def _cues(
    text: str, lo: int, hi: int, rules: IndicatorRules, wanted: set[int] | None = None
) -> list[tuple[int, int, tuple[tuple[int, str], ...]]]:
    """(start, end, (key index, kind)…) of the cues in text[lo:hi].

    A word cue inside a longer one is dropped (热线 in 法律服务热线); the
    `patterns` of the keys in *wanted* (all keys when None) are matched too.
    """
    cues = rules.cues
    # the cue at each start (the longest; the scan ends at hi, so none reaches past it), in order of start
    found = [(match.start(), match.end(1), cues[match.group(1)]) for match in rules.cue_re.finditer(text, lo, hi)]
    # a cue lies inside another when an earlier one reaches as far
    kept, reach = [], -1
    for cue in found:
        if cue[1] > reach:
            kept.append(cue)
            reach = cue[1]
    found = kept
    for index in rules.patterned:
        if wanted is not None and index not in wanted:
            continue
        for pattern in rules.keys[index].patterns:
            found += [(m.start(), m.end(), ((index, "object"),)) for m in pattern.finditer(text, lo, hi) if m.end() > m.start()]
    return found


def _marker_spans(text: str, lo: int, hi: int, rules: IndicatorRules) -> list[tuple[int, int]]:
    """Spans of the `not_markers` words (普及, 人均) in text[lo:hi]: a joiner or distributive inside one is none."""
    spans = []
    for word in rules.not_markers:
        at = text.find(word, lo, hi)
        while at >= 0:
            spans.append((at, at + len(word)))
            at = text.find(word, at + 1, hi)
    return spans


def _subjects(text: str, start: int, clause_start: int, item_start: int, rules: IndicatorRules) -> list[tuple[int, int]]:
    """Spans of the subjects one number is stated for, or [] (the usual case).

    The number must follow a `distributives` word (各, 均) by at most
    `distributive_gap` characters that name no object; the clause before that
    word (after the clause's last quantity) must be a list of at least two
    subjects joined by `joiners` (、, 和, 及) outside quotations:
    执法记录仪、执法终端各5台, 办结率和满意度均达100%.
    """
    head = text[item_start:start]
    if not any(word in head for word in rules.distributives):
        return []
    masked = _marker_spans(text, max(0, clause_start - 4), min(len(text), start + 4), rules)

    def free(at: int, length: int) -> bool:
        return not any(s <= at and at + length <= e for s, e in masked)

    mark = None
    for word in rules.distributives:
        at = head.rfind(word)
        while at >= 0 and not free(item_start + at, len(word)):
            at = head.rfind(word, 0, at)
        if at >= 0 and (mark is None or item_start + at > mark[0]):
            mark = (item_start + at, item_start + at + len(word))
    if mark is None or start - mark[1] > rules.distributive_gap:
        return []
    if any(kind != "verb" for _, _, entries in _cues(text, mark[1], start, rules) for _, kind in entries):
        return []  # 各村各配备调解员2名: the number counts what follows the 各, not the subjects before it
    # the list starts after the last quantity of the clause (为两个中队购置对讲机和记录仪各6台)
    part_start = max([clause_start] + [clause_start + q.end for q in find_quantities(text[clause_start : mark[0]])])
    parts: list[tuple[int, int]] = []
    depth = 0
    i = part_start
    while i < mark[0]:
        char = text[i]
        if char in QUOTE_OPEN:
            depth += 1
        elif char in QUOTE_CLOSE:
            depth = max(0, depth - 1)
        joiner = next((j for j in rules.joiners if text.startswith(j, i) and i + len(j) <= mark[0]), None) if depth == 0 else None
        if joiner and free(i, len(joiner)):
            parts.append((part_start, i))
            part_start = i = i + len(joiner)
            continue
        i += 1
    parts.append((part_start, mark[0]))
    parts = [(s, e) for s, e in parts if text[s:e].strip()]
    return parts if len(parts) >= 2 else []


def _head(text: str, start: int, ends: dict[int, list[str]]) -> list[str] | None:
    """Keys of the whole that the quantity at *start* is a part of, or None when it is no part.

    A part stands in a parenthesis opened right after the whole (网格员308人
    （专职网格员291人，兼职17人）) or after 其中 that follows the whole in the
    same sentence (公开信息215条，其中财政信息18条).
    """
    lo = max(0, start - 60)
    opening = max(text.rfind("（", lo, start), text.rfind("(", lo, start))
    if opening >= 0 and max(text.rfind("）", opening, start), text.rfind(")", opening, start)) < 0:
        head_end = opening
        while head_end > 0 and text[head_end - 1] in " \u3000":
            head_end -= 1
        if head_end in ends:
            return ends[head_end]
    marker = text.rfind(PART_MARKER, max(0, start - 200), start)
    if marker < 0:
        return None
    sentence_start = _last_break(text, SENTENCE_BREAK, max(0, start - 200), start)
    if marker < sentence_start:
        return None
    head_end = marker
    while head_end > sentence_start and text[head_end - 1] in " \u3000，,":
        head_end -= 1
    return ends.get(head_end)


def _names_object(text: str, lo: int, start: int, end: int, keys: Sequence[int], rules: IndicatorRules) -> bool:
    """True when an object or weak cue of one of the *keys* stands in text[lo:start] or right after the number."""
    after_end = _next_break(text, AFTER_BREAK, end, min(len(text), end + AFTER_MAX))
    wanted = set(keys)
    for m_start, _, entries in _cues(text, lo, after_end, rules, wanted):
        if start <= m_start < end:
            continue
        if any(index in wanted and kind != "verb" for index, kind in entries):
            return True
    return False


def _audience(
    text: str, quantity: Quantity, clause_start: int, earlier: list[tuple[Quantity, list[str]]], rules: IndicatorRules
) -> list[str]:
    """The audience key of an earlier event for a count of people after an `audience` verb, or [].

    开展普法宣传5场，覆盖800余人次 → people_reached; 组织法治培训2场次，覆盖200余人次
    → trainees: the nearest earlier count of the sentence whose key is in the
    `audience` table decides, when the clause names no people of its own
    (覆盖群众…, 覆盖干部… decide by themselves).
    """
    index = {name: i for i, name in enumerate(rules.names)}
    given = [index[k] for k in set(rules.audience.values()) if k in index]
    if not given or not any(verb in text[clause_start : quantity.start] for verb in rules.audience_verbs):
        return []
    if _names_object(text, clause_start, quantity.start, quantity.end, given, rules):
        return []
    for _, keys in reversed(earlier):
        if len(keys) == 1 and keys[0] in rules.audience:
            key = rules.audience[keys[0]]
            return [key] if key and quantity.unit in rules.keys[index[key]].units else []
    return []


def _carried(
    text: str, quantity: Quantity, clause_start: int, earlier: list[tuple[Quantity, list[str]]], rules: IndicatorRules
) -> list[str]:
    """The key of the nearest earlier count of the sentence in the same unit, for a clause that
    names no object of any key in its unit and ends in a `repeat_verbs` verb of that count's clause
    right before the number (开展法治宣讲2场次，走进社区开展2场次; 每村培养3至5名“法律明白人”，
    全乡共计培养41名), or []."""
    candidates = rules.unit_keys(quantity.unit)
    if not candidates or _names_object(text, clause_start, quantity.start, quantity.end, candidates, rules):
        return []
    before = text[clause_start : quantity.start]
    # the verb must stand right before the number (开展2场次, 共计培养41名): 办理信访事项12件 names an object the lexicon does not know
    verbs = [verb for verb in rules.repeat_verbs if verb in before and not before[before.rfind(verb) + len(verb) :].strip(VERB_TAIL)]
    if not verbs:
        return []
    for previous, keys in reversed(earlier):
        if previous.unit == quantity.unit:
            _, source_start, _ = _context(text, previous.start)
            source = text[source_start : previous.start]
            return keys if len(keys) == 1 and keys[0] and any(verb in source for verb in verbs) else []
    return []


def map_text(text: str, *, rules: IndicatorRules | None = None, names: Sequence[str] = ()) -> list[tuple[Quantity, str]]:
    """(quantity, key or '') for every quantity of one text, in order; several rows share a quantity with several keys.

    A part of a whole (see ``_head``) takes the whole's key when its own
    clause gives no key of its own (培育“法律明白人”126名，其中骨干35名); a
    clause that names no object takes the key of an earlier count of its
    sentence (see ``_carried``).  *names* are proper names whose numbers are no
    quantities (the report's town, 三张镇; see ``quantities.find_quantities``).
    """
    rules = rules or load_rules()
    result: list[tuple[Quantity, str]] = []
    ends: dict[int, list[str]] = {}
    index = {name: i for i, name in enumerate(rules.names)}
    sentence: list[tuple[Quantity, list[str]]] = []  # the counts of the current sentence, with their keys
    for quantity in find_quantities(text, names=names):
        context = _context(text, quantity.start)
        keys = _keys(text, quantity.start, quantity.end, quantity.unit, rules, context, True)
        head = _head(text, quantity.start, ends)
        if head and len(keys) <= 1:
            inherited = [k for k in head if k and quantity.unit in rules.keys[index[k]].units]
            if inherited and (not keys or not _keys(text, quantity.start, quantity.end, quantity.unit, rules, context, False)):
                keys = inherited
        sentence_start, clause_start, _ = context
        sentence = [(q, k) for q, k in sentence if q.start >= sentence_start]
        if not head and sentence and not keys:
            keys = _audience(text, quantity, clause_start, sentence, rules) or _carried(text, quantity, clause_start, sentence, rules)
        elif not head and sentence and len(keys) == 1 and keys[0] in rules.audience.values():
            keys = _audience(text, quantity, clause_start, sentence, rules) or keys
        ends[quantity.end] = keys
        sentence.append((quantity, keys))
        for key in keys or [""]:
            result.append((quantity, key))
    return result
