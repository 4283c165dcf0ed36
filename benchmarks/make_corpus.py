"""Build a synthetic corpus of N township reports by resampling the real ones.

    python benchmarks/make_corpus.py --reports 1000             # → benchmarks/out/corpus-1000-seed42/
    python benchmarks/make_corpus.py --reports 10000 --out /tmp/corpus-10000

Each synthetic report takes the outline of one real report of ``data/raw``
(its top-level headings, in order, with their markers), fills every heading
and paragraph below them with a heading or paragraph of the same section role
and marker rank drawn from any real report, drops or repeats some paragraphs
(so lengths vary), gives it a made-up town, county and year (the real towns'
names in the borrowed text are replaced by the new ones) and redraws every
Arabic number with the same number of digits (years move with the report's
year; percentages stay at most 100).  Length, vocabulary and structure look
like the real reports; the outline, role and item parsers work on them.

Seeded and reproducible: the same --reports, --seed and source give the same
files, byte for byte.  The folder gets a hidden ``.manifest.json``; a folder already
holding the same corpus is left as it is.  Files are written outside
``data/raw`` (default ``benchmarks/out/``, which git ignores).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from analysis import config, structure
from analysis.corpus import load_corpus

OUT_DIR = Path(__file__).resolve().parent / "out"
GENERATOR_VERSION = 1

# Characters for made-up place names: none is a level suffix (镇乡县区市旗) or
# part of the words the loader refuses as a name (城镇, 政府, 人民, 法治…).
NAME_CHARS = "安宝北长大东丰福高广海和红华吉嘉金康兰乐林龙明南宁平庆泉荣瑞山胜顺太天同文西祥新兴阳永玉云中"
LEVELS = (("镇", 0.72), ("乡", 0.2), ("街道", 0.08))
COUNTY_SUFFIXES = (("县", 0.6), ("区", 0.25), ("旗", 0.15))
YEARS = tuple(range(2020, 2026))
TOWNS_PER_COUNTY = (8, 20)
TITLES = (
    "{county}{town}{year}年法治政府建设情况报告",
    "{town}{year}年法治政府建设年度报告",
    "{town}{year}年度法治政府建设情况报告",
    "{year}年度{town}法治政府建设工作情况汇报",
    "{county}{town}{year}年度法治政府建设工作报告",
)
DROP_P = 0.15  # chance a body paragraph of the outline report is left out
EXTRA_P = 0.2  # chance another paragraph of the same role follows it
CANDIDATES = 4  # a paragraph is replaced by the closest in length of this many drawn from its pool
MANIFEST = ".manifest.json"  # hidden: the loader skips it

NUMBER_RE = re.compile(r"(?<![0-9０-９.．])([0-9]+)(?:\.([0-9]+))?(?![0-9])")
MARKER_RES = [(rank, regex) for rank, regex in structure.MARKERS]


@dataclass(frozen=True)
class Paragraph:
    doc: int  # index of the source report
    text: str  # text after its outline marker (the whole line for a body paragraph)
    marker: str  # the outline marker ('' for a body paragraph)
    rank: int  # marker rank 1–5, 0 for a body paragraph
    role: str


def _split_marker(line: str) -> tuple[str, int, str]:
    for rank, regex in MARKER_RES:
        match = regex.match(line)
        if match:
            return match.group(0), rank, line[match.end() :]
    return "", 0, line


def _like(para: Paragraph, pool: list[Paragraph], rng: random.Random) -> Paragraph:
    """Of CANDIDATES paragraphs drawn from *pool*, the one closest in length to *para*."""
    drawn = [rng.choice(pool) for _ in range(CANDIDATES)]
    return min(drawn, key=lambda p: abs(len(p.text) - len(para.text)))


def _weighted(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    values, weights = zip(*choices)
    return rng.choices(values, weights=weights, k=1)[0]


def _names(rng: random.Random, n: int, used: set[str]) -> list[str]:
    """*n* new place names: two characters while fresh ones are easy to find, then three."""
    names = []
    misses = 0
    while len(names) < n:
        name = "".join(rng.sample(NAME_CHARS, 2 if misses < 50 else 3))
        if name in used:
            misses += 1
            continue
        used.add(name)
        names.append(name)
    return names


def plan_towns(n_reports: int, rng: random.Random) -> list[tuple[str, str, int]]:
    """(county, town, year) for each report: towns report for 1–5 consecutive years."""
    used: set[str] = set()
    rows: list[tuple[str, str, int]] = []
    county, left = "", 0
    while len(rows) < n_reports:
        if left == 0:
            county = _names(rng, 1, used)[0] + _weighted(rng, COUNTY_SUFFIXES)
            left = rng.randint(*TOWNS_PER_COUNTY)
        left -= 1
        town = _names(rng, 1, used)[0] + _weighted(rng, LEVELS)
        span = rng.randint(1, 5)
        first = rng.randint(YEARS[0], YEARS[-1] - span + 1)
        for year in range(first, first + span):
            rows.append((county, town, year))
    return rows[:n_reports]


class Resampler:
    """Pools of the real reports' headings and paragraphs by section role and marker rank."""

    def __init__(self, source: Path):
        reports = load_corpus(source, warn=False).reports
        if reports.empty:
            sys.exit(f"error: no readable reports in {source}")
        self.reports = reports
        paras = structure.paragraphs(reports)
        doc_index = {doc_id: i for i, doc_id in enumerate(reports["doc_id"])}
        self.outlines: list[list[Paragraph]] = [[] for _ in range(len(reports))]
        self.preambles: list[Paragraph] = []
        self.headings: dict[tuple[str, int], list[Paragraph]] = {}
        self.bodies: dict[str, list[Paragraph]] = {}
        for row in paras.itertuples(index=False):
            if row.role == "title":
                continue
            doc = doc_index[row.doc_id]
            marker, rank, rest = _split_marker(row.text) if row.is_heading else ("", 0, row.text)
            para = Paragraph(doc, rest, marker, rank, row.role)
            self.outlines[doc].append(para)
            if row.role == "preamble":
                self.preambles.append(para)
            elif rank:
                self.headings.setdefault((row.role, rank), []).append(para)
            else:
                self.bodies.setdefault(row.role, []).append(para)
        self.names = []  # (town, short town, county) of each source report
        for row in reports.itertuples(index=False):
            town = row.town if isinstance(row.town, str) else ""
            short = re.sub(r"(街道办事处|街道|苏木|镇|乡)$", "", town)
            self.names.append((town, short if len(short) >= 2 else "", row.county if isinstance(row.county, str) else ""))
        self.years = [int(y) if y == y and y is not None else 2024 for y in reports["year"]]

    def rename(self, para: Paragraph, county: str, town: str, year: int, rng: random.Random) -> str:
        """The paragraph's text with the source's place names and numbers replaced."""
        text = para.text
        src_town, src_short, src_county = self.names[para.doc]
        if src_county:
            text = text.replace(src_county, county)
        if src_town:
            text = text.replace(src_town, town)
        short = re.sub(r"(街道|镇|乡)$", "", town)
        if src_short:
            text = text.replace(src_short, short)
        offset = year - self.years[para.doc]

        def redraw(match: re.Match[str]) -> str:
            whole, frac = match.group(1), match.group(2)
            after = text[match.end() : match.end() + 1]
            value = int(whole)
            if frac is None and len(whole) == 4 and 1990 <= value <= 2035 and after in "年—-－至到":
                return str(value + offset)
            if after in "%％":
                digits = str(rng.randint(60, 99)) if value < 100 else "100"
            else:
                digits = str(rng.randint(10 ** (len(whole) - 1) if len(whole) > 1 else 1, 10 ** len(whole) - 1))
            if frac is not None:
                digits += "." + "".join(str(rng.randint(0, 9)) for _ in frac)
            return digits

        return NUMBER_RE.sub(redraw, text)

    def report(self, county: str, town: str, year: int, rng: random.Random) -> str:
        skeleton = self.outlines[rng.randrange(len(self.outlines))]
        title = rng.choice(TITLES).format(county=county, town=town, year=year)
        lines = [title, ""]
        preamble = rng.choice(self.preambles)
        lines.append(self.rename(preamble, county, town, year, rng))
        for para in skeleton:
            if para.role == "preamble":
                continue
            if para.rank == 1:  # top-level headings carry the role cues: keep them
                lines.append(para.marker + self.rename(para, county, town, year, rng))
            elif para.rank:
                pool = self.headings.get((para.role, para.rank)) or [para]
                lines.append(para.marker + self.rename(rng.choice(pool), county, town, year, rng))
            else:
                pool = self.bodies.get(para.role) or [para]
                if rng.random() >= DROP_P:
                    lines.append(self.rename(_like(para, pool, rng), county, town, year, rng))
                while rng.random() < EXTRA_P:
                    lines.append(self.rename(_like(para, pool, rng), county, town, year, rng))
        return "\n".join(lines) + "\n"


def _source_hash(source: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in source.iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def make_corpus(n_reports: int, out: Path, *, seed: int = config.RANDOM_SEED, source: Path = config.DATA_RAW) -> Path:
    """Write *n_reports* synthetic reports into *out* (skipped when it already holds them)."""
    out = Path(out).resolve()
    if out == config.DATA_RAW.resolve() or config.DATA_RAW.resolve() in out.parents:
        sys.exit("error: never write under data/raw; choose another --out")
    manifest = {
        "reports": n_reports,
        "seed": seed,
        "source": str(source),
        "source_sha256": _source_hash(source),
        "generator": GENERATOR_VERSION,
        "script_sha256": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
    }
    manifest_file = out / MANIFEST
    if manifest_file.exists():
        try:
            if json.loads(manifest_file.read_text(encoding="utf-8")) == manifest:
                return out
        except json.JSONDecodeError:
            pass
    if out.exists():
        if any(p for p in out.iterdir() if p.suffix != ".txt" and p.name != MANIFEST):
            sys.exit(f"error: {out} holds files this script did not write; choose an empty or new --out")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rng = random.Random(seed)
    sampler = Resampler(source)
    width = max(5, int(math.log10(max(n_reports, 1))) + 1)
    for i, (county, town, year) in enumerate(plan_towns(n_reports, rng)):
        text = sampler.report(county, town, year, rng)
        name = f"{i:0{width}d}_{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}.txt"
        (out / name).write_text(text, encoding="utf-8", newline="\n")
    manifest_file.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000, help="number of reports (default 1000)")
    parser.add_argument("--seed", type=int, default=config.RANDOM_SEED, help=f"random seed (default {config.RANDOM_SEED})")
    parser.add_argument("--source", default=str(config.DATA_RAW), help="folder of real reports to resample (default data/raw)")
    parser.add_argument("--out", help="output folder (default benchmarks/out/corpus-N-seedS)")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else OUT_DIR / f"corpus-{args.reports}-seed{args.seed}"
    folder = make_corpus(args.reports, out, seed=args.seed, source=config.resolve_path(args.source))
    files = sorted(folder.glob("*.txt"))
    size = sum(p.stat().st_size for p in files)
    print(f"{len(files)} reports, {size / 1e6:.1f} MB in {folder}", file=sys.stderr)
    print(folder)


if __name__ == "__main__":
    main()
