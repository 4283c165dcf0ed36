"""What the briefings' fork server loads once for every worker it forks: the lexicon's rules and the tokenizer.

The fork server imports this module last (``config.BRIEFING_PRELOAD``), and
importing it loads them: the indicator and quantity rules with their
traditional forms (about 0.09 s of CPU), the tokenizer with the domain
dictionary (about 0.18 s), the problem themes and the section rules.  A
worker forked from the server starts with them in its caches, where each
worker loaded them itself at its first briefing that needed them (the
indicator tables, the years, the problem themes, the structure of talk).
The server does it beside the command's reading and stages, before the
workers start.

The server records which lexicon it loaded (``pipeline.tasks.fresh_lexicon``),
and each briefings worker asks again when it starts: a server that
outlives a lexicon edit (one started in a notebook's kernel lives as long
as the kernel) hands its workers nothing stale, they load the files as
they are.  A file that cannot be loaded is left for the briefing that
needs it, which says what is wrong; the server goes on.  Importing the
module anywhere else loads the same things into that process's caches,
after forgetting what the package's caches held there unless that process
had recorded the lexicon as it is (``fresh_lexicon``).
"""

from __future__ import annotations

from ..indicators import load_rules
from ..pipeline.tasks import fresh_lexicon
from ..structure import load_section_rules
from ..themes import load_themes
from ..tokenize import tokenizer

LOADED = (load_rules, tokenizer, load_themes, load_section_rules)  # each cached: the second call is free


def warm() -> None:
    """Load ``LOADED`` into this process's caches, recording the lexicon they come from."""
    fresh_lexicon()
    for load in LOADED:
        try:
            load()
        except Exception:  # noqa: BLE001 - a bad lexicon file: the briefing that needs it meets it, and says so
            pass


warm()
