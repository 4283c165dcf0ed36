"""The rules of the indicators: ``data/lexicon/indicators.yml`` read and checked, the order of its keys, their Chinese names.

load_rules        the keys (units, cue words, patterns) and the clause grammar's settings, validated (cached)
key_position      each key's place in indicators.yml: the one order of keys in every table and figure
sorted_keys       distinct keys in that order
indicator_labels  {key: Chinese name} from ``data/lexicon/indicator_labels.yml``, checked against the keys

An error names the file and the entry (``LexiconError``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as default
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .. import config
from ..chinese import traditional
from ..errors import LexiconError
from ..lexicon import load_yaml, longest_word_re
from ..quantities import load_rules as quantity_rules

INDICATORS_FILE = config.INDICATORS_FILE
CONTRACT_KEYS = (
    "law_study_sessions rule_of_law_meetings trainings trainees exams exam_pass_rate enforcement_inspections "
    "administrative_penalties certified_officers enforcement_recorders reconsideration_litigation legal_advisers "
    "legality_reviews info_disclosures online_posts service_cases hotline_tickets satisfaction_rate completion_rate "
    "disputes_resolved mediation_success_rate mediators grid_workers legal_literates publicity_events "
    "materials_distributed banners_posters people_reached legal_consultations funding"
).split()
LABELS_FILE = config.INDICATOR_LABELS_FILE
CUE_KINDS = ("object", "weak", "verb")  # the rows of `scores` in indicators.yml
CUE_PLACES = ("item", "after", "clause", "window")  # its columns: where the cue stands


@dataclass(frozen=True)
class Key:
    """One canonical indicator: the units it counts in and its cue words."""

    name: str
    units: frozenset[str]
    objects: tuple[str, ...]
    verbs: tuple[str, ...]
    weak: tuple[str, ...]
    need: str | None
    patterns: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class IndicatorRules:
    """The keys and the clause grammar of ``indicators.yml``."""

    keys: tuple[Key, ...]
    cue_distance: int
    min_score: float
    joiners: tuple[str, ...]
    distributives: tuple[str, ...]
    distributive_gap: int
    not_markers: tuple[str, ...]
    cue_re: re.Pattern[str]
    cues: dict[str, tuple[tuple[int, str], ...]]  # cue → (key index, kind: object/weak/verb)
    scores: dict[str, dict[str, float]]  # kind → place → score of a cue
    patterned: tuple[int, ...] = ()  # indices of the keys that have patterns
    prefer: dict[str, tuple[str, ...]] = default(default_factory=dict)  # key → the keys it wins over when both qualify
    attendance_verbs: tuple[str, ...] = ()  # 参加, 列席: sitting in an event, not holding it
    attendance: dict[str, str] = default(default_factory=dict)  # key of the event → key of sitting in it ('' = none)
    audience_verbs: tuple[str, ...] = ()  # 覆盖, 受众: a count of the people an event reached
    audience: dict[str, str] = default(default_factory=dict)  # key of the event → key of its audience
    repeat_verbs: tuple[str, ...] = ()  # a clause repeating one of these verbs carries the earlier count's key
    phrasing_fillers: frozenset[str] = frozenset()  # words left out of the phrasings of unkeyed quantities
    _by_unit: dict[str, tuple[int, ...]] = default(default_factory=dict, repr=False, compare=False)  # unit_keys, as asked

    @property
    def names(self) -> list[str]:
        return [k.name for k in self.keys]

    def unit_keys(self, unit: str) -> tuple[int, ...]:
        """Indices of the keys counted in *unit*, in key order (found once per unit: every quantity asks)."""
        found = self._by_unit.get(unit)
        if found is None:
            found = self._by_unit[unit] = tuple(i for i, key in enumerate(self.keys) if unit in key.units)
        return found


def _words(path: Path, value: object, entry: str, *, required: bool = False) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(v, (str, int)) and str(v).strip() for v in value):
        raise LexiconError(path, "must be a non-empty list of words", entry=entry)
    words = [str(v).strip() for v in value]
    for word in words:
        if words.count(word) > 1:
            raise LexiconError(path, f"{word!r} is listed twice", entry=entry)
    return tuple(words)


def _longest_first(words: Iterable[str]) -> tuple[str, ...]:
    """The words and their traditional forms (與 for 与), longest first."""
    forms = dict.fromkeys(f for w in words for f in (w, *traditional(w)))
    return tuple(sorted(forms, key=len, reverse=True))


def _scores(path: Path, value: object) -> dict[str, dict[str, float]]:
    """The `scores` table: for each kind of cue, a number for each place it can stand."""
    shape = f"needs a mapping of {', '.join(CUE_KINDS)} → {{{', '.join(CUE_PLACES)}: number}}"
    if not isinstance(value, dict) or set(value) != set(CUE_KINDS):
        raise LexiconError(path, shape, entry="scores")
    out: dict[str, dict[str, float]] = {}
    for kind in CUE_KINDS:
        row = value[kind]
        if not isinstance(row, dict) or set(row) != set(CUE_PLACES):
            raise LexiconError(path, f"needs a score for each place: {', '.join(CUE_PLACES)}", entry=f"scores.{kind}")
        for place, score in row.items():
            if not isinstance(score, (int, float)) or isinstance(score, bool) or score < 0:
                raise LexiconError(path, "must be a number of 0 or more", entry=f"scores.{kind}.{place}")
        out[kind] = {place: float(row[place]) for place in CUE_PLACES}
    return out


@lru_cache(maxsize=4)
def load_rules(path: str = str(INDICATORS_FILE)) -> IndicatorRules:
    """Read and validate ``indicators.yml`` (cached); errors name the key and field."""
    file = Path(path)
    data = load_yaml(file)
    known = {
        "cue_distance",
        "min_score",
        "scores",
        "joiners",
        "distributives",
        "distributive_gap",
        "not_markers",
        "masks",
        "prefer",
        "attendance",
        "audience",
        "repeat_verbs",
        "phrasing_fillers",
        "keys",
    }
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict) or not data["keys"]:
        raise LexiconError(file, "needs a 'keys' mapping of key → {units, objects, verbs, weak, need, patterns}")
    for field in data:
        if field not in known:
            raise LexiconError(file, f"unknown field; use {', '.join(sorted(known))}", entry=str(field))
    cue_distance = data.get("cue_distance", 25)
    if not isinstance(cue_distance, int) or isinstance(cue_distance, bool) or cue_distance < 0:
        raise LexiconError(file, "must be a whole number of characters", entry="cue_distance")
    distributive_gap = data.get("distributive_gap", 4)
    if not isinstance(distributive_gap, int) or isinstance(distributive_gap, bool) or distributive_gap < 0:
        raise LexiconError(file, "must be a whole number of characters", entry="distributive_gap")
    min_score = data.get("min_score", 1.5)
    if not isinstance(min_score, (int, float)) or isinstance(min_score, bool) or min_score <= 0:
        raise LexiconError(file, "must be a positive number", entry="min_score")
    scores = _scores(file, data.get("scores"))
    known_units = set(quantity_rules().unit_form.values()) | {"%"}
    keys = []
    for name, spec in data["keys"].items():
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise LexiconError(file, "a key is a lowercase identifier such as disputes_resolved", entry=str(name))
        if not isinstance(spec, dict):
            raise LexiconError(file, "needs a mapping with units and objects", entry=name)
        for field in spec:
            if field not in ("units", "objects", "verbs", "weak", "need", "patterns"):
                raise LexiconError(file, f"unknown field {field!r}; use units, objects, verbs, weak, need, patterns", entry=name)
        units = _words(file, spec.get("units"), f"{name}.units", required=True)
        for unit in units:
            if unit not in known_units:
                raise LexiconError(file, f"{unit!r} is not a unit of units.txt (nor %)", entry=f"{name}.units")
        objects = _words(file, spec.get("objects"), f"{name}.objects", required=True)
        verbs = _words(file, spec.get("verbs"), f"{name}.verbs")
        weak = _words(file, spec.get("weak"), f"{name}.weak")
        need = spec.get("need")
        if need not in (None, "verb"):
            raise LexiconError(file, "need must be 'verb' (or left out)", entry=f"{name}.need")
        if need == "verb" and not verbs:
            raise LexiconError(file, "need: verb requires a verbs list", entry=name)
        patterns = []
        for pattern in _words(file, spec.get("patterns"), f"{name}.patterns"):
            forms = "|".join(f"(?:{form})" for form in (pattern, *traditional(pattern)))  # 活動 as well as 活动
            try:
                patterns.append(re.compile(forms))
            except re.error as exc:
                raise LexiconError(file, f"bad regular expression: {exc}", entry=f"{name}.patterns") from exc
        keys.append(Key(name, frozenset(units), objects, verbs, weak, need, tuple(patterns)))
    names = {key.name for key in keys}
    prefer = {}
    for winner, losers in _mapping(file, data.get("prefer"), "prefer").items():
        prefer[_known_key(file, winner, names, "prefer")] = tuple(
            _known_key(file, loser, names, f"prefer.{winner}") for loser in _words(file, losers, f"prefer.{winner}")
        )
    attendance_verbs, attendance = _event_table(file, data.get("attendance"), "attendance", names)
    audience_verbs, audience = _event_table(file, data.get("audience"), "audience", names)
    cues: dict[str, list[tuple[int, str]]] = {}
    for mask in _words(file, data.get("masks"), "masks"):  # words that hide the cues inside them (公开征集意见)
        for form in (mask, *traditional(mask)):
            cues.setdefault(form, [])
    for index, key in enumerate(keys):
        for kind, words in (("object", key.objects), ("weak", key.weak), ("verb", key.verbs)):
            for word in words:
                for form in (word, *traditional(word)):  # reports in traditional characters too
                    cues.setdefault(form, []).append((index, kind))
    # a lookahead finds the longest cue at every position, overlaps included (法治宣传栏 → 法治宣传, 宣传栏)
    # (a class of first characters in front lets the scan skip most positions quickly)
    first = re.escape("".join(sorted({c[0] for c in cues})))
    cue_re = re.compile(f"(?=[{first}])(?=({longest_word_re(cues)}))")
    return IndicatorRules(
        keys=tuple(keys),
        cue_distance=cue_distance,
        min_score=float(min_score),
        joiners=_longest_first(_words(file, data.get("joiners") or ["和"], "joiners")),
        distributives=_longest_first(_words(file, data.get("distributives") or ["均"], "distributives")),
        distributive_gap=distributive_gap,
        not_markers=_longest_first(_words(file, data.get("not_markers") or ["普及"], "not_markers")),
        cue_re=cue_re,
        cues={c: tuple(v) for c, v in cues.items()},
        scores=scores,
        patterned=tuple(i for i, key in enumerate(keys) if key.patterns),
        prefer=prefer,
        attendance_verbs=attendance_verbs,
        attendance=attendance,
        audience_verbs=audience_verbs,
        audience=audience,
        repeat_verbs=_longest_first(_words(file, data.get("repeat_verbs"), "repeat_verbs")),
        phrasing_fillers=frozenset(_longest_first(_words(file, data.get("phrasing_fillers"), "phrasing_fillers"))),
    )


def _mapping(path: Path, value: object, entry: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise LexiconError(path, "must be a mapping", entry=entry)
    return value


def _known_key(path: Path, name: object, names: set[str], entry: str, *, empty: bool = False) -> str:
    if (empty and name in ("", None)) or name in names:
        return name or ""
    raise LexiconError(path, f"{name!r} is not a key of this file", entry=entry)


def _event_table(path: Path, value: object, entry: str, names: set[str]) -> tuple[tuple[str, ...], dict[str, str]]:
    """`attendance` / `audience`: {verbs: [...], keys: {event key: key it gives}}, validated."""
    table = _mapping(path, value, entry)
    if not table:
        return (), {}
    if set(table) != {"verbs", "keys"}:
        raise LexiconError(path, "needs exactly the fields verbs and keys", entry=entry)
    verbs = _longest_first(_words(path, table["verbs"], f"{entry}.verbs", required=True))
    keys = {
        _known_key(path, event, names, f"{entry}.keys"): _known_key(path, given, names, f"{entry}.keys.{event}", empty=True)
        for event, given in _mapping(path, table["keys"], f"{entry}.keys").items()
    }
    return verbs, keys


def key_position(keys: Iterable[str]) -> pd.Series:
    """Each key's place in indicators.yml (0, 1, …); keys not in the file ('' too) come after all.

    The one order of keys in every table and figure: sort by it, then by the key.
    """
    order = _key_places()
    keys = keys if isinstance(keys, pd.Series) else pd.Series(list(keys), dtype="object")
    return keys.map(lambda k: order.get(k, len(order))).astype("int64")


def sorted_keys(keys: Iterable[str]) -> list[str]:
    """The distinct *keys* in the order of indicators.yml, unknown ones after (by name)."""
    order = _key_places()
    return sorted(set(keys), key=lambda k: (order.get(k, len(order)), k))


def _key_places() -> dict[str, int]:
    return {k: i for i, k in enumerate(load_rules().names)}


@lru_cache(maxsize=4)
def _labels(path: str) -> dict[str, str]:
    file = Path(path)
    data = load_yaml(file)
    if not isinstance(data, dict):
        raise LexiconError(file, "needs one 'key: 名称' line per indicator key")
    keys = load_rules().names
    for key, label in data.items():
        if key not in keys:
            raise LexiconError(file, "is not a key of indicators.yml", entry=str(key))
        if not isinstance(label, str) or not label.strip():
            raise LexiconError(file, "needs a name", entry=str(key))
    missing = [k for k in keys if k not in data]
    if missing:
        raise LexiconError(file, "has no name for the key; add one", entry=missing[0])
    return {str(k): str(v).strip() for k, v in data.items()}


def indicator_labels(path: str | Path = LABELS_FILE) -> dict[str, str]:
    """{indicator key: Chinese name}, validated against the keys of ``indicators.yml``."""
    return dict(_labels(str(path)))
