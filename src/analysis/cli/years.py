"""Commands across years and across words: follow-through, trends, recurring problems, carried-over wording,
citations, co-occurrence networks, topics, correspondence analysis."""

from __future__ import annotations

import argparse

import pandas as pd

from .. import config
from ..citations import COLUMNS as CITATION_COLUMNS
from ..panel import FOLLOW_COLUMNS, TREND_COLUMNS
from .common import Command, load, split, write


def followthrough(args: argparse.Namespace) -> None:
    from ..panel import follow_through, fulfilment

    table = follow_through(load(args).reports)
    write(fulfilment(table) if args.rates else table, args)


def trends(args: argparse.Namespace) -> None:
    from ..panel import trends

    table = trends(load(args).reports)
    if args.changes_only:
        table = table[table["change"].notna()].reset_index(drop=True)
    write(table, args)


def recurring(args: argparse.Namespace) -> None:
    from ..panel import recurring

    table = recurring(load(args).reports)
    write(table[table["recurring"]].reset_index(drop=True) if args.only else table, args)


def carried(args: argparse.Namespace) -> None:
    from ..panel import carried_over

    shares, passages = carried_over(load(args).reports)
    write(passages if args.passages else shares, args)


def citations(args: argparse.Namespace) -> None:
    from ..citations import counts, extract

    table = extract(load(args).reports, table=args.citations_file)
    if args.outdated:
        table = table[table["outdated"]].reset_index(drop=True)
    write(counts(table, by=split(args.by) or None) if args.count else table, args)


def network(args: argparse.Namespace) -> None:
    from ..cooccurrence import network

    nodes, edges = network(load(args).reports, unit=args.unit, by=args.by, min_freq=args.min_freq, top=args.top)
    write(nodes if args.nodes else edges, args)


def topics(args: argparse.Namespace) -> None:
    from ..topics import fit

    model = fit(load(args).reports, n_topics=args.topics, method=args.method, seed=args.seed)
    write(model.shares if args.shares else model.topics, args)


def correspondence(args: argparse.Namespace) -> None:
    from ..correspondence import fit, term_table, theme_table

    reports = load(args).reports
    table = theme_table(reports, rows=args.rows) if args.themes else term_table(reports, rows=args.rows, top=args.top)
    result = fit(table)
    out = [result.rows.assign(side=result.row_name), result.columns.assign(side=result.column_name)]
    write(pd.concat(out, ignore_index=True)[["side", "label", "dim1", "dim2", "mass", "quality"]], args)


def _followthrough_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rates", action="store_true", help="one row per town and plan year: done, mentioned, no evidence, rate")


def _trends_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--changes-only", action="store_true", help="only the rows with a change from the year before")


def _recurring_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--only", action="store_true", help="only the problems that restate one of the year before")


def _carried_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--passages", action="store_true", help="the passages taken over, instead of the share per report")


def _citations_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--citations-file", default=str(config.CITATIONS_FILE), help="the table of names (default data/lexicon/citations.yml)"
    )
    parser.add_argument("--outdated", action="store_true", help="only outdated citations")
    parser.add_argument("--count", action="store_true", help="count each document instead of listing citations")
    parser.add_argument("--by", action="append", help="with --count: count per doc_id, town or year (repeat or comma-separate)")


def _network_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--unit", choices=["sentence", "paragraph"], default="sentence", help="co-occurrence within a sentence or a paragraph"
    )
    parser.add_argument("--by", choices=["town", "county", "year", "role", "doc_id"], default=None, help="one network per group")
    parser.add_argument("--min-freq", type=int, default=3, help="leave out terms found in fewer units (default 3)")
    parser.add_argument("--top", type=int, default=60, help="keep the N strongest edges of each network (default 60)")
    parser.add_argument("--nodes", action="store_true", help="the nodes (term, frequency, community) instead of the edges")


def _topics_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--topics", type=int, default=8, help="number of topics (default 8)")
    parser.add_argument("--method", choices=["nmf", "lda"], default="nmf", help="topic model (default nmf)")
    parser.add_argument("--seed", type=int, default=config.RANDOM_SEED, help="random seed (same seed, same topics)")
    parser.add_argument("--shares", action="store_true", help="each report's topic shares instead of the topics")


def _correspondence_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", choices=["town", "year", "doc_id", "county"], default="town", help="the rows of the table (default town)")
    parser.add_argument("--themes", action="store_true", help="problem themes as columns instead of terms")
    parser.add_argument("--top", type=int, default=40, help="the N most frequent terms as columns (default 40)")


COMMANDS = [
    Command(
        "followthrough",
        followthrough,
        "each plan item of year N against year N+1's achievements: " + ", ".join(FOLLOW_COLUMNS),
        "python -m analysis followthrough data/raw tests/data/years --rates",
        _followthrough_options,
    ),
    Command(
        "trends",
        trends,
        "each indicator per town and year, with the change when units agree: " + ", ".join(TREND_COLUMNS),
        "python -m analysis trends data/raw tests/data/years --changes-only",
        _trends_options,
    ),
    Command(
        "recurring",
        recurring,
        "problems of year N+1 with the most similar problem of year N, and whether they restate it",
        "python -m analysis recurring data/raw tests/data/years --only",
        _recurring_options,
    ),
    Command(
        "carried",
        carried,
        "share of each report's text taken from the same town's report of the year before (or the passages)",
        "python -m analysis carried data/raw tests/data/years --passages",
        _carried_options,
    ),
    Command(
        "citations",
        citations,
        "every cited law, regulation, document and plan: " + ", ".join(CITATION_COLUMNS),
        "python -m analysis citations data/raw --outdated",
        _citations_options,
    ),
    Command(
        "network",
        network,
        "co-occurrence network of terms (Jaccard over sentences): group, source, target, jaccard, cooccurrences",
        "python -m analysis network data/raw --min-freq 3 --top 60",
        _network_options,
    ),
    Command(
        "topics",
        topics,
        "topics of the paragraphs (NMF or LDA): topic, label, top_terms, share",
        "python -m analysis topics data/raw --topics 6 --shares",
        _topics_options,
    ),
    Command(
        "correspondence",
        correspondence,
        "correspondence analysis of towns (or years) × terms or themes: side, label, dim1, dim2, mass, quality",
        "python -m analysis correspondence data/raw --rows town --themes",
        _correspondence_options,
    ),
]
