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


def _last_break(text: str, chars: str, lo: int, hi: int) -> int:
    """Index just after the last of *chars* in text[lo:hi], else lo."""
    best = lo - 1
    for ch in chars:
        best = max(best, text.rfind(ch, lo, hi))
    return best + 1


def _next_break(text: str, chars: str, lo: int, hi: int) -> int:
    best = hi
    for ch in chars:
        found = text.find(ch, lo, best)
        if found >= 0:
            best = found
    return best


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
    rules = rules or load_rules()
    if not any(unit in key.units for key in rules.keys):
        return []
    context = _context(text, start)
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
    return [rules.keys[ranked[0][2]].name] if ranked else []


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
    candidates = [i for i, key in enumerate(rules.keys) if unit in key.units]
    if not candidates:
        return []
    wanted = set(candidates)
    objects: dict[int, float] = {}
    verbs: dict[int, float] = {}
    distance: dict[int, int] = {}
    for m_start, m_end, entries in _cues(text, window_start, after_end, rules, wanted):
        if m_start < end and start < m_end:
            continue
        if any(lo <= m_start < hi for lo, hi in others):
            continue
        elsewhere = any(lo <= m_start < hi for lo, hi in verbs_only)
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
    found = []
    for match in rules.cue_re.finditer(text, lo, hi):
        cue = match.group(1)
        m_start = match.start()
        if m_start + len(cue) <= hi:
            found.append((m_start, m_start + len(cue), rules.cues[cue]))
    found = [c for c in found if not any(o[0] <= c[0] and c[1] <= o[1] and (o[0], o[1]) != (c[0], c[1]) for o in found)]
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


def map_text(text: str, *, rules: IndicatorRules | None = None) -> list[tuple[Quantity, str]]:
    """(quantity, key or '') for every quantity of one text, in order; several rows share a quantity with several keys.

    A part of a whole (see ``_head``) takes the whole's key when its own
    clause gives no key of its own (培育“法律明白人”126名，其中骨干35名).
    """
    rules = rules or load_rules()
    result: list[tuple[Quantity, str]] = []
    ends: dict[int, list[str]] = {}
    index = {name: i for i, name in enumerate(rules.names)}
    for quantity in find_quantities(text):
        keys = keys_for(text, quantity.start, quantity.end, quantity.unit, rules=rules)
        head = _head(text, quantity.start, ends)
        if head and len(keys) <= 1:
            inherited = [k for k in head if k and quantity.unit in rules.keys[index[k]].units]
            if inherited and (not keys or not keys_for(text, quantity.start, quantity.end, quantity.unit, rules=rules, window=False)):
                keys = inherited
        ends[quantity.end] = keys
        for key in keys or [""]:
            result.append((quantity, key))
    return result
