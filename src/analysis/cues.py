"""A small KH Coder-style cue language, and the codebook files written in it.

A *cue* is a boolean expression over a piece of text (a problem item, a
sentence, a heading); it is true when the text matches and then says which
characters made it true.  The codebooks under ``data/lexicon/`` (problem
themes, report elements, Outline task areas) are lists of entries, each with
an id, a Chinese label and a list of cues.

Syntax (spaces around operators are optional)::

    普法                 a word: true when the text contains it
    "重执法、轻服务"       a phrase in double quotes (may hold any character)
    a & b   a and b      both
    a | b   a or b       either
    !a      not a        the text does not contain a
    ( … )                grouping
    near(a, b, 12)       a and b within 12 characters of each other, in either
                         order, in the same sentence (default 10)
    seq(a, b, 12)        a, then b within 12 characters, same sentence
    @name                any term of the codebook's group *name* (allowed
                         wherever a word is, e.g. ``near(普法, @lack, 15)``)

Inside ``near`` and ``seq`` an argument may list alternatives: ``near(执法人员|执法队伍, @lack, 12)``.
Matching is on the simplified form of the text (``fold``: character by
character, so offsets into the folded text are offsets into the original),
and a cue written in simplified characters also matches a traditional report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from .chinese import fold
from .errors import CueSyntaxError, LexiconError
from .lexicon import load_yaml, longest_word_re, read_text

FUNCTIONS = ("near", "seq")
WORD_OPERATORS = {"and": "&", "or": "|", "not": "!"}
DEFAULT_DISTANCE = 10
# Characters a near/seq match may not cross: it stays inside one sentence.
SENTENCE_BREAK_RE = re.compile(r"[。！？!?；;\n]")
_TOKEN_RE = re.compile(r'\s*(?:(?P<quoted>"[^"]*")|(?P<op>&+|\|+|!|[(),])|(?P<word>[^\s()|&!,"]+))')
_ASCII_WORD_RE = re.compile(r"^[A-Za-z_]+$")

Span = tuple[int, int]


# ------------------------------------------------------------------ the tree


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # alternatives (one word, or a group's words)

    @cached_property
    def regex(self) -> re.Pattern[str]:  # kept on the term: a codebook asks each term for it once per text
        return _alternatives(self.words)

    def spans(self, text: str, breaks: list[int]) -> list[Span] | None:
        regex = self.regex
        if regex.search(text) is None:  # most terms are absent from a text: no iterator, no list
            return None
        return [m.span() for m in regex.finditer(text)]


@lru_cache(maxsize=4096)
def _alternatives(words: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for a term's words, longest first (行政执法 before 执法)."""
    return re.compile(longest_word_re(words))


@dataclass(frozen=True)
class Not:
    inner: object

    def spans(self, text: str, breaks: list[int]) -> list[Span] | None:
        return [] if self.inner.spans(text, breaks) is None else None


@dataclass(frozen=True)
class And:
    parts: tuple[object, ...]

    def spans(self, text: str, breaks: list[int]) -> list[Span] | None:
        found: list[Span] = []
        for part in self.parts:
            spans = part.spans(text, breaks)
            if spans is None:
                return None
            found.extend(spans)
        return sorted(set(found))


@dataclass(frozen=True)
class Or:
    parts: tuple[object, ...]

    def spans(self, text: str, breaks: list[int]) -> list[Span] | None:
        found: list[Span] = []
        hit = False
        for part in self.parts:
            spans = part.spans(text, breaks)
            if spans is not None:
                hit = True
                found.extend(spans)
        return sorted(set(found)) if hit else None


@dataclass(frozen=True)
class Near:
    left: Term
    right: Term
    distance: int
    ordered: bool  # seq: left must come first

    def spans(self, text: str, breaks: list[int]) -> list[Span] | None:
        lefts = self.left.spans(text, breaks)
        rights = self.right.spans(text, breaks) if lefts else None
        if not lefts or not rights:
            return None
        found: list[Span] = []
        for a in lefts:
            for b in rights:
                if a[0] < b[1] and b[0] < a[1]:
                    continue  # overlapping occurrences are not two words
                if a[1] <= b[0]:
                    gap, lo, hi = b[0] - a[1], a[1], b[0]
                elif not self.ordered:
                    gap, lo, hi = a[0] - b[1], b[1], a[0]
                else:
                    continue
                if gap <= self.distance and not _crosses(breaks, lo, hi):
                    found.extend((a, b))
        return sorted(set(found)) or None


@lru_cache(maxsize=256)
def _breaks(text: str) -> list[int]:
    """Offsets of the sentence ends in *text* (cached: every cue of a codebook asks for them)."""
    return [m.start() for m in SENTENCE_BREAK_RE.finditer(text)]


def _crosses(breaks: list[int], lo: int, hi: int) -> bool:
    from bisect import bisect_left

    i = bisect_left(breaks, lo)
    return i < len(breaks) and breaks[i] < hi


# ------------------------------------------------------------------ parsing


def _tokens(source: str) -> list[tuple[str, str]]:
    tokens = []
    pos = 0
    source = source.rstrip()
    while pos < len(source):
        match = _TOKEN_RE.match(source, pos)
        if match is None or match.end() == pos:
            raise CueSyntaxError(f"cannot read {source[pos:]!r}")
        pos = match.end()
        if match.group("quoted") is not None:
            phrase = match.group("quoted")[1:-1]
            if not phrase:
                raise CueSyntaxError('an empty phrase ""')
            tokens.append(("word", phrase))
        elif match.group("op") is not None:
            op = match.group("op")
            if op in ("&&", "||") or len(op) > 2:
                raise CueSyntaxError(f"unknown operator {op!r}; use & (and), | (or), ! (not)")
            tokens.append(("op", op))
        else:
            word = match.group("word")
            lowered = word.lower()
            if lowered in WORD_OPERATORS:
                tokens.append(("op", WORD_OPERATORS[lowered]))
            else:
                tokens.append(("bare", word))
    return tokens


class _Parser:
    def __init__(self, source: str, groups: dict[str, tuple[str, ...]]) -> None:
        self.source = source
        self.groups = groups
        self.tokens = _tokens(source)
        self.pos = 0

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise CueSyntaxError("ends too early")
        self.pos += 1
        return token

    def expect(self, value: str) -> None:
        token = self.take()
        if token != ("op", value):
            raise CueSyntaxError(f"expected {value!r}, found {token[1]!r}")

    def parse(self) -> object:
        if not self.tokens:
            raise CueSyntaxError("is empty")
        node = self.parse_or()
        token = self.peek()
        if token is not None:
            if token[0] == "bare" and _ASCII_WORD_RE.match(token[1]):
                raise CueSyntaxError(f"unknown operator {token[1]!r}; use & (and), | (or), ! (not), near(), seq()")
            raise CueSyntaxError(f"expected an operator (& | !) before {token[1]!r}")
        return node

    def parse_or(self) -> object:
        parts = [self.parse_and()]
        while self.peek() == ("op", "|"):
            self.take()
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def parse_and(self) -> object:
        parts = [self.parse_not()]
        while self.peek() == ("op", "&"):
            self.take()
            parts.append(self.parse_not())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def parse_not(self) -> object:
        if self.peek() == ("op", "!"):
            self.take()
            return Not(self.parse_not())
        return self.parse_atom()

    def parse_atom(self) -> object:
        token = self.take()
        if token == ("op", "("):
            node = self.parse_or()
            self.expect(")")
            return node
        if token[0] == "op":
            raise CueSyntaxError(f"unexpected {token[1]!r}")
        nxt = self.peek()
        if token[0] == "bare" and nxt == ("op", "("):
            name = token[1].lower()
            if name not in FUNCTIONS:
                raise CueSyntaxError(f"unknown operator {token[1]!r}(…); use near(a, b, n) or seq(a, b, n)")
            self.take()
            return self.parse_function(name)
        return self.term(token)

    def term(self, token: tuple[str, str]) -> Term:
        kind, value = token
        if kind == "bare" and value.startswith("@"):
            name = value[1:]
            if name not in self.groups:
                known = ", ".join(sorted(self.groups)) or "none defined"
                raise CueSyntaxError(f"unknown group @{name} (groups: {known})")
            return Term(self.groups[name])
        if kind not in ("word", "bare"):
            raise CueSyntaxError(f"expected a word, found {value!r}")
        return Term((fold(value),))

    def alternatives(self) -> Term:
        words = list(self.term(self.take()).words)
        while self.peek() == ("op", "|"):
            self.take()
            words.extend(self.term(self.take()).words)
        return Term(tuple(dict.fromkeys(words)))

    def parse_function(self, name: str) -> Near:
        left = self.alternatives()
        self.expect(",")
        right = self.alternatives()
        distance = DEFAULT_DISTANCE
        if self.peek() == ("op", ","):
            self.take()
            kind, value = self.take()
            if kind != "bare" or not value.isdigit():
                raise CueSyntaxError(f"{name}(): the distance must be a whole number of characters, not {value!r}")
            distance = int(value)
        self.expect(")")
        return Near(left, right, distance, ordered=name == "seq")


def _words_in_chinese(term: Term, shown: int = 4) -> str:
    words = [f"“{w}”" for w in term.words[:shown]]
    return "、".join(words) + ("等词" if len(term.words) > shown else "") if len(term.words) > 1 else words[0]


def describe(node: object) -> str:
    """A parsed cue (``Cue.node``) in plain Chinese, for readers: ``near(@dispute, 难度大, 15)`` →
    ``“矛盾”、“纠纷”、“信访”、“积案”等词与“难度大”相距不超过 15 字``."""
    if isinstance(node, Term):
        return "出现" + _words_in_chinese(node) if len(node.words) == 1 else "出现" + _words_in_chinese(node) + "之一"
    if isinstance(node, Near):
        order = "，且前者在前" if node.ordered else ""
        return f"{_words_in_chinese(node.left)}与{_words_in_chinese(node.right)}相距不超过 {node.distance} 字{order}"
    if isinstance(node, Not):
        return f"不{describe(node.inner)}"
    if isinstance(node, And):
        return "，并且".join(describe(p) for p in node.parts)
    if isinstance(node, Or):
        return "；或者".join(describe(p) for p in node.parts)
    return str(node)


@dataclass(frozen=True)
class Cue:
    """A parsed cue: ``Cue.parse("near(普法, @lack, 15)", groups)``."""

    source: str
    node: object

    @classmethod
    def parse(cls, source: str, groups: dict[str, tuple[str, ...]] | None = None) -> Cue:
        if not isinstance(source, str):
            raise CueSyntaxError(f"a cue must be a string, not {type(source).__name__}")
        return cls(source, _Parser(source, groups or {}).parse())

    def describe(self) -> str:
        """The cue in plain Chinese (``describe``)."""
        return describe(self.node)

    def spans(self, text: str, *, simplified: bool = False) -> list[Span] | None:
        """Spans of the characters that make the cue true, or None when it is false."""
        simple = text if simplified else fold(text)
        return self.node.spans(simple, _breaks(simple))

    def match(self, text: str, *, simplified: bool = False) -> bool:
        return self.spans(text, simplified=simplified) is not None


# ------------------------------------------------------------------ codebooks


@dataclass(frozen=True)
class Entry:
    """One codebook entry: an id, a label, cues, and any further cue lists."""

    id: str
    label: str
    cues: tuple[Cue, ...]
    extra: dict[str, object]

    def first_hit(self, text: str, *, field: str = "cues", simplified: bool = False) -> tuple[Cue, list[Span]] | None:
        """The first cue of *field* that fires on *text*, with its spans."""
        simple = text if simplified else fold(text)
        for cue in self.cues if field == "cues" else self.extra.get(field, ()):
            spans = cue.spans(simple, simplified=True)
            if spans is not None:
                return cue, spans
        return None


@dataclass(frozen=True)
class Codebook:
    """A validated codebook file: its entries in file order, and its groups."""

    path: str
    entries: tuple[Entry, ...]
    groups: dict[str, tuple[str, ...]]

    @property
    def ids(self) -> list[str]:
        return [e.id for e in self.entries]

    def __getitem__(self, entry_id: str) -> Entry:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)

    def __iter__(self):
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number
    return None


def load_codebook(
    path: str | Path,
    *,
    key: str,
    cue_fields: tuple[str, ...] = ("cues",),
    required: tuple[str, ...] = ("cues",),
    other_fields: tuple[str, ...] = (),
    id_pattern: str | None = None,
) -> Codebook:
    """Read and validate a codebook YAML file.

    The file is a mapping with a list of entries under *key* (each with ``id``,
    ``label`` and the lists of cues named in *cue_fields*) and, optionally,
    ``groups``: a mapping of name → list of words usable as ``@name`` in cues.
    Every problem raises ``LexiconError`` naming the file, the line and the entry.
    """
    path = Path(path)
    source = read_text(path)
    data = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise LexiconError(path, f"needs a top-level {key!r} list of entries (id, label, cues)")
    unknown_top = set(data) - {key, "groups"}
    if unknown_top:
        raise LexiconError(path, f"unknown top-level key(s) {sorted(unknown_top)}; use {key!r} and 'groups'")
    groups: dict[str, tuple[str, ...]] = {}
    for name, words in (data.get("groups") or {}).items():
        line = _line_of(source, f"{name}:")
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
            raise LexiconError(path, "a group needs a non-empty list of words", line=line, entry=f"@{name}")
        if len(set(words)) != len(words):
            dup = next(w for w in words if words.count(w) > 1)
            raise LexiconError(path, f"the word {dup!r} is listed twice", line=line, entry=f"@{name}")
        groups[str(name)] = tuple(fold(w.strip()) for w in words)
    allowed = {"id", "label", "note", *cue_fields, *other_fields}
    entries = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(data[key], start=1):
        name = raw.get("id") if isinstance(raw, dict) else None
        where = str(name) if name else f"{key}[{index}]"
        line = _line_of(source, f"id: {name}") if name else None
        if not isinstance(raw, dict):
            raise LexiconError(path, "an entry must be a mapping with id, label and cues", entry=where)
        if not isinstance(name, str) or not name.strip():
            raise LexiconError(path, "the entry has no id", entry=where)
        if id_pattern and not re.fullmatch(id_pattern, name):
            raise LexiconError(path, f"the id does not have the form {id_pattern}", line=line, entry=name)
        if name in seen:
            raise LexiconError(path, f"duplicate id (entry {seen[name]} has it too)", line=line, entry=name)
        seen[name] = index
        unknown = set(raw) - allowed
        if unknown:
            raise LexiconError(path, f"unknown field(s) {sorted(unknown)}; use {sorted(allowed)}", line=line, entry=name)
        label = raw.get("label")
        if not isinstance(label, str) or not label.strip():
            raise LexiconError(path, "the entry needs a Chinese label", line=line, entry=name)
        parsed: dict[str, tuple[Cue, ...]] = {}
        for field in cue_fields:
            cues = raw.get(field)
            if cues is None and field not in required:
                parsed[field] = ()
                continue
            if not isinstance(cues, list) or not cues:
                raise LexiconError(path, f"no cues: {field!r} must be a non-empty list", line=line, entry=name)
            items = []
            for cue in cues:
                try:
                    items.append(Cue.parse(cue, groups))
                except CueSyntaxError as exc:
                    cue_line = _line_of(source, str(cue)) if isinstance(cue, str) else line
                    raise LexiconError(path, f"bad cue {cue!r} in {field!r}: {exc}", line=cue_line, entry=name) from exc
            parsed[field] = tuple(items)
        extra: dict[str, object] = {f: parsed[f] for f in cue_fields if f != "cues"}
        extra.update({f: raw[f] for f in other_fields if f in raw})
        entries.append(Entry(name, label.strip(), parsed.get("cues", ()), extra))
    if not entries:
        raise LexiconError(path, f"{key!r} has no entries")
    return Codebook(str(path), tuple(entries), groups)
