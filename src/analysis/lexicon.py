"""Load the knowledge files under ``data/lexicon/`` with validation.

Plain word lists are UTF-8 without BOM, LF line ends, one entry a line,
``#`` starts a comment.  jieba silently ignores a user-dictionary line it
cannot parse (a BOM, a stray ``\\r``), so these checks fail loudly instead,
naming the file and the line.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

from . import config
from .errors import LexiconError

_WHITESPACE_IN_TERM = re.compile(r"\s")


def read_text(path: str | Path) -> str:
    """Return the text of a lexicon file, refusing BOM, CR and invalid UTF-8."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LexiconError(path, f"cannot be read ({exc.strerror})") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        raise LexiconError(path, "starts with a UTF-8 BOM; save it as UTF-8 without BOM", line=1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LexiconError(path, "is not valid UTF-8; save it as UTF-8", line=line) from exc
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        raise LexiconError(path, "has Windows (CRLF) or CR line ends; use LF", line=line)
    return text


def _entries(path: Path) -> list[tuple[int, str]]:
    """(line number, stripped line) of every non-blank, non-comment line."""
    rows = []
    for number, line in enumerate(read_text(path).split("\n"), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            rows.append((number, line))
    return rows


def load_wordlist(path: str | Path) -> list[str]:
    """One entry a line; duplicates and entries with inner spaces are errors."""
    path = Path(path)
    seen: dict[str, int] = {}
    words = []
    for number, line in _entries(path):
        if _WHITESPACE_IN_TERM.search(line):
            raise LexiconError(path, "an entry may not contain spaces", line=number, entry=line)
        if line in seen:
            raise LexiconError(path, f"duplicate of line {seen[line]}", line=number, entry=line)
        seen[line] = number
        words.append(line)
    return words


def load_user_dict(path: str | Path = config.TERMS_FILE) -> list[tuple[str, int | None, str | None]]:
    """Read a jieba user dictionary: ``term [freq] [pos]`` a line, validated."""
    path = Path(path)
    seen: dict[str, int] = {}
    rows = []
    for number, line in _entries(path):
        parts = line.split()
        term = parts[0]
        if len(parts) > 3:
            raise LexiconError(path, "expected 'term [freq] [pos]'", line=number, entry=line)
        freq = None
        pos = None
        for part in parts[1:]:
            if part.isdigit():
                freq = int(part)
            elif re.fullmatch(r"[a-zA-Z]+", part):
                pos = part
            else:
                raise LexiconError(path, f"{part!r} is neither a frequency nor a POS tag", line=number, entry=term)
        if term in seen:
            raise LexiconError(path, f"duplicate of line {seen[term]}", line=number, entry=term)
        seen[term] = number
        rows.append((term, freq, pos))
    if not rows:
        raise LexiconError(path, "has no terms")
    return rows


# libyaml's parser when PyYAML was built with it (its wheels are): the same
# data as the pure-Python SafeLoader on every knowledge file, in a ninth of the
# time (0.15 → 0.02 s for all of data/lexicon, which every process of a build reads)
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: str | Path) -> object:
    """Parse a YAML knowledge file, with the file and line in any error."""
    path = Path(path)
    try:
        return yaml.load(read_text(path), Loader=YAML_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise LexiconError(path, f"is not valid YAML: {getattr(exc, 'problem', exc)}", line=line) from exc


def longest_word_re(words: Iterable[str]) -> str:
    """A regular expression (source) matching, where it matches, the longest of *words* that starts there.

    It matches what ``"|".join(the escaped words, longest first)`` matches,
    and tries the shorter words in the same order when what follows fails,
    but as a tree of the words' characters (``执法(?:检查|记录仪)?``): the
    engine reads each character once instead of trying every word in turn,
    which a list of hundreds of cue words made the slowest part of a scan.
    An empty word makes the whole optional, as it does in the alternation.
    """
    tree: dict = {}
    for word in set(words):
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here
    return _tree_re(tree) or "(?:)"


@lru_cache(maxsize=64)
def word_alternation(words: tuple[str, ...]) -> str:
    """*words* escaped and joined with ``|``, in their order: for a pattern built around a list of words.

    Kept per list, so a function that builds its pattern at every call joins
    and escapes the words once, not each time (the metadata stage: some forty
    times a report).
    """
    return "|".join(re.escape(word) for word in words)


def _tree_re(node: dict) -> str:
    branches = [re.escape(char) + _tree_re(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body  # greedy: the longer words first, then the word ending here


@lru_cache(maxsize=8)
def _stopwords(domain_file: str) -> frozenset[str]:
    import stopwordsiso

    words = set(stopwordsiso.stopwords("zh"))
    words.update(load_wordlist(domain_file))
    return frozenset(words)


def stopwords(*, extra: tuple[str, ...] | list[str] = (), domain_file: str | Path = config.STOPWORDS_DOMAIN_FILE) -> frozenset[str]:
    """The Chinese stopwords of stopwords-iso, the domain list, and *extra*."""
    return _stopwords(str(domain_file)) | frozenset(extra)


def files_hash(paths: list[Path] | None = None) -> str:
    """sha256 over the names and bytes of the lexicon files (cache keys, briefings)."""
    if paths is None:
        paths = sorted(p for p in config.LEXICON_DIR.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
