"""Time what a build computes once for the whole corpus: the scorecard and the flags (``workfolder.prepare``).

    python benchmarks/bench_scorecard.py --reports 1000     # the synthetic corpus of benchmarks/make_corpus.py
    python benchmarks/bench_scorecard.py --reports 5        # data/raw

The stage tables are read from (or first written to) a pipeline cache kept
under ``benchmarks/out/`` (git-ignored), so only the corpus-level work is
timed.  Prints one line per step — the shared wording (``boilerplate.index``),
each report's partner (``flags.partners``), the shared sentences, the
impossible figures, the scorecard (``scorecard.assess``), the flags
(``flags.flags``) — then, as its last line::

    reports=N scorecard_for_s=S evidence_s=E assess_s=A flags_s=F prepare_s=P

where ``prepare_s`` is ``workfolder.prepare`` (the indicator summary, the
scorecard and the flags written to a work folder) timed on its own.
Before those, and comparable across versions of the package, it times
``workfolder.scorecard_for`` on the default stages' tables (the compliance
tables then computed inside); the last line then starts with
``scorecard_for_s=S``.  To time an older version, point ``PYTHONPATH`` at its
``src`` (``git worktree add /tmp/old COMMIT``, then ``PYTHONPATH=/tmp/old/src
python benchmarks/bench_scorecard.py``): the steps it does not have are left
out.  Other work on the machine slows every figure: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_corpus import OUT_DIR, make_corpus  # noqa: E402

from analysis import boilerplate, config, flags, kept, pipeline, scorecard, workfolder  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000, help="5: data/raw; more: the synthetic corpus of that size (default 1000)")
    parser.add_argument("--seed", type=int, default=config.RANDOM_SEED, help="synthetic corpus seed")
    args = parser.parse_args()
    if args.reports == 5:
        corpus = config.DATA_RAW
    else:
        corpus = make_corpus(args.reports, OUT_DIR / f"corpus-{args.reports}-seed{args.seed}", seed=args.seed)
    cache_dir = OUT_DIR / f"cache-{args.reports}"
    plain = pipeline.run(corpus, cache_dir=cache_dir, warn=False)
    plain["indicators"], plain["items"]  # read now, not inside the timed step
    started = time.perf_counter()
    workfolder.scorecard_for(plain)
    whole = time.perf_counter() - started
    print(f"{'workfolder.scorecard_for (default stages)':<34} {whole:7.2f} s")
    if not hasattr(flags, "gather_evidence"):  # an older version of the package
        print(f"reports={len(plain.reports)} scorecard_for_s={whole:.2f}")
        return
    results = pipeline.run(corpus, stages=kept.BRIEFING_STAGES, cache_dir=cache_dir, warn=False)
    reports, rows = results.reports, results["indicators"]
    for name in kept.BRIEFING_STAGES:
        results[name]  # read every table now, not inside a timed step

    def step(name: str, work):
        started = time.perf_counter()
        value = work()
        seconds = time.perf_counter() - started
        print(f"{name:<34} {seconds:7.2f} s")
        return value, seconds

    index, _ = step("boilerplate.index", lambda: boilerplate.index(reports))
    step("flags.partners", lambda: flags.partners(reports, shared_index=index))
    step("boilerplate.shared_sentences", lambda: boilerplate.shared_sentences(reports, shared_index=index))
    step("flags.impossible_figures", lambda: flags.impossible_figures(rows))
    evidence, t_evidence = step("flags.gather_evidence (all four)", lambda: flags.gather_evidence(reports, rows))
    cached = {"checklist": results["checklist"], "coverage": results["coverage"]}  # the cached tables a build gives it
    if "codes" in inspect.signature(scorecard.assess).parameters:  # the problems' theme codes, since session 8
        cached["codes"] = results["theme_codes"]
    _, t_assess = step(
        "scorecard.assess", lambda: scorecard.assess(reports, rows=rows, items=results["items"], evidence=evidence, **cached)
    )
    _, t_flags = step("flags.flags", lambda: flags.flags(reports, rows=rows, evidence=evidence))
    with tempfile.TemporaryDirectory() as work:
        _, t_prepare = step("workfolder.prepare", lambda: workfolder.prepare(results, work))
    print(
        f"reports={len(reports)} scorecard_for_s={whole:.2f} evidence_s={t_evidence:.2f} assess_s={t_assess:.2f} "
        f"flags_s={t_flags:.2f} prepare_s={t_prepare:.2f}"
    )


if __name__ == "__main__":
    main()
