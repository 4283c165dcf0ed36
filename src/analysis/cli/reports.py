"""Commands that read the reports and show what was found: corpus, sections, items, tokens."""

from __future__ import annotations

import argparse

from .common import Command, load, write


def corpus(args: argparse.Namespace) -> None:
    write(load(args).reports.drop(columns=["text"]), args)


def sections(args: argparse.Namespace) -> None:
    from ..structure import sections

    table = sections(load(args).reports)
    write(table[["doc_id", "level", "marker", "heading", "role", "start", "end"]], args)


def items(args: argparse.Namespace) -> None:
    from ..structure import items

    table = items(load(args).reports, role=args.role)
    write(table.drop(columns=["start", "end"]), args)


def tokens(args: argparse.Namespace) -> None:
    from ..tokenize import tokenize

    write(tokenize(load(args).reports, pos=args.pos), args)


COMMANDS = [
    Command("corpus", corpus, "the reports table (no text) as CSV", "python -m analysis corpus data/raw"),
    Command(
        "sections",
        sections,
        "outline headings: doc_id, level, marker, heading, role, start, end",
        "python -m analysis sections data/raw/001_da8b8fa9e6decef4.txt",
    ),
    Command(
        "items",
        items,
        "problem and plan items, one row each",
        "python -m analysis items data/raw --role problems",
        lambda p: p.add_argument("--role", choices=["problems", "plans"], help="only problem items or only plan items"),
    ),
    Command(
        "tokens",
        tokens,
        "tokens with section role and offsets",
        "python -m analysis tokens data/raw --pos",
        lambda p: p.add_argument("--pos", action="store_true", help="add POS tags"),
    ),
]
