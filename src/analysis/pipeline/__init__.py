"""Run the stages over many reports: cached on disk, on every core, in a fixed order.

    from analysis import pipeline
    results = pipeline.run("data/raw")          # every core, cache on, progress bars in a terminal
    results.reports                             # the reports table (as load_corpus gives it)
    results["tokens"], results.indicators       # one table per stage, rows in report order
    results.counts                              # corpus term counts (as frequency.counts gives them)
    results.timings                             # what ran, what came from the cache, how long

The flow is load → structure → tokenise → indicators → frequency → themes.
Each per-report stage is a function of a slice of the reports table, listed
by name in ``STAGES``; a stage whose module is not installed is skipped.
Reports are cut into chunks (contiguous in ``doc_id`` order) and processed by
a process pool, one jieba tokenizer per worker with the user dictionary
loaded once.  Every table is assembled in report order from the per-report
rows, so the output does not depend on the number of workers or chunks; it
equals what the stage function gives for the whole corpus.

With the cache on (``analysis.cache``), a report whose file, identity and
lexicon are unchanged is not processed again: editing one report re-processes
that report only; editing a lexicon file re-processes the stages that read it.
Large tables (tokens, per-report term counts) stay on disk until asked for.

The package, in the order of a run:

stages       the per-report stages by name (``STAGES``, ``register``), their cache keys (``current_keys``)
runner       ``run``: load, compute what the cache lacks on every core, assemble the tables
tasks        what a worker process does with a chunk of reports
results      ``Results`` and its tables, read from the cache when asked for
term_counts  the corpus term counts, summed from the per-report counts

CLI: ``python -m analysis pipeline PATH... [--workers N] [--no-cache] [--out DIR]``
prints the timings table (CSV) and writes every table as parquet to DIR.
"""

from __future__ import annotations

from ..errors import PipelineError
from .results import Results, Tables
from .runner import CHUNKS_PER_RUN, MAX_CHUNK, MIN_PARALLEL, TIMING_COLUMNS, default_workers, run
from .stages import COUNTS_TABLE, DEFAULT_STAGES, READ_STAGE, STAGES, Context, Stage, available_stages, current_keys, register
from .tasks import REPORT_FIELDS, REPORT_SCHEMA
from .term_counts import COUNTS_KEPT, corpus_counts

__all__ = [
    "CHUNKS_PER_RUN",
    "COUNTS_KEPT",
    "COUNTS_TABLE",
    "DEFAULT_STAGES",
    "MAX_CHUNK",
    "MIN_PARALLEL",
    "PipelineError",
    "READ_STAGE",
    "REPORT_FIELDS",
    "REPORT_SCHEMA",
    "STAGES",
    "TIMING_COLUMNS",
    "Context",
    "Results",
    "Stage",
    "Tables",
    "available_stages",
    "corpus_counts",
    "current_keys",
    "default_workers",
    "register",
    "run",
]
