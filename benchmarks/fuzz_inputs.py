"""Every command on a folder of hostile inputs: nothing may crash, lose data, run live markup or hang.

    python benchmarks/fuzz_inputs.py [--random 20] [--seed 0] [--timeout 900] [--keep DIR] [--no-briefings]

Builds a folder of the bad input issue 17 lists (empty, binary, UTF-16
without a byte-order mark, UTF-8 with bad bytes, GBK, a .docx with damaged
XML, a .docx that expands past the limit, a report past the character limit,
file names that collide once made safe, a 245-byte name, ``$…$`` in a name,
HTML / Markdown links and images / LaTeX / template syntax in a title, a
full-width year, no year at all, a hidden file, subfolders, a folder named
``x.txt``, links to ``/etc/passwd`` and to nothing) beside two good reports,
plus ``--random`` files of random bytes and random text.  Then runs every
command of ``python -m analysis`` on it (a subprocess each, with a timeout),
``briefings`` into a folder of earlier briefings, and ``briefings`` /
``pipeline --out`` on a missing and an empty folder.  Counts:

crashes    a command that printed a traceback, or exited other than 0, 1 or 2 (2: a clean usage error, one line);
           a briefing that failed (the briefings command names it on stderr)
data_lost  an earlier output that a run of nothing replaced or removed
unsafe     a briefing with live markup from the reports (a link, image, script or handler from the hostile text),
           a file written outside --out
hangs      a command stopped by the timeout

Prints one line per problem, then ``inputs=N crashes=C data_lost=D unsafe=U hangs=H``; exits 1 unless the four are 0.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
HOSTILE_TITLE = (
    "[点我](javascript:alert(1)) ![t](http://fuzz.invalid/x.png) <script>alert(1)</script>"
    "<img src=http://fuzz.invalid/y.png onerror=alert(2)> $\\frac{1}{0$ {{ 7*7 }} {% if 1 %}x{% endif %}"
)
REPORT = "{town}{year}法治政府建设工作情况报告\n一、主要工作\n今年我镇开展普法活动{n}次，化解矛盾纠纷{m}件，举办法治讲座3场。\n二、存在问题\n法治宣传的针对性不强。\n"


def _docx(text: str, *, xml: bytes | None = None) -> bytes:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    if xml is None:
        return buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts["word/document.xml"] = xml
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def build_inputs(folder: Path, *, n_random: int, seed: int) -> int:
    """Write the hostile folder; returns the number of inputs (files, folders and links)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(RAW.glob("*.txt"))[:2]:
        shutil.copy(path, folder / path.name)
    files: dict[str, bytes] = {
        "empty.txt": b"",
        "blank.txt": b"   \n\n",
        "binary.txt": bytes(range(256)) * 8,
        "utf16_nobom.txt": REPORT.format(town="甲乡", year="2025年", n=3, m=4).encode("utf-16-le"),
        "bad_bytes.txt": REPORT.format(town="乙镇", year="2025年", n=5, m=6).encode() * 4 + b"\xff\xfe" + "。".encode(),
        "gbk.txt": REPORT.format(town="丙镇", year="2024年", n=7, m=8).encode("gbk"),
        "damaged.docx": _docx("x", xml=b"<w:document><w:body><w:p>unclosed"),
        "bomb.docx": _docx(REPORT.format(town="丁镇", year="2025年", n=1, m=2) * 3000),
        "huge.txt": (REPORT.format(town="戊镇", year="2025年", n=1, m=2) * 60000).encode(),
        "x:y.txt": REPORT.format(town="x:y镇", year="2025年", n=1, m=1).encode(),
        "x?y.txt": REPORT.format(town="x?y镇", year="2025年", n=2, m=2).encode(),
        ("长" * 80 + "镇.txt"): REPORT.format(town="长" * 20 + "镇", year="2025年", n=3, m=3).encode(),
        "$\\frac{1}{0$_报告.txt": REPORT.format(town="己镇", year="2025年", n=4, m=4).encode(),
        "title.txt": (HOSTILE_TITLE + "\n" + REPORT.format(town="庚镇", year="2025年", n=5, m=5)).encode(),
        "town.txt": REPORT.format(town="<b>辛</b>[镇](javascript:x)", year="2025年", n=6, m=6).encode(),
        "problem.txt": (REPORT.format(town="壬镇", year="2025年", n=7, m=7) + "三、问题\n" + HOSTILE_TITLE + "的问题仍然存在。\n").encode(),
        "fullwidth.txt": REPORT.format(town="癸镇", year="２０２５年", n=8, m=8).encode(),
        "noyear.txt": REPORT.format(town="子镇", year="", n=9, m=9).encode(),
        "mojibake.html": b"<html><head><meta charset='utf-8'></head><body>" + os.urandom(400) + b"</body></html>",
        "notapdf.pdf": b"hello",
        ".hidden.txt": REPORT.format(town="丑镇", year="2025年", n=1, m=2).encode(),
    }
    for i in range(n_random):
        if i % 2:
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4000)))
        else:
            alphabet = "法治政府建设年度报告开展普法活动次件人镇乡，。；！？\n0123456789${}[]()<>#*_`|"
            data = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 3000))).encode()
        files[f"random_{i:03d}{rng.choice(['.txt', '.docx', '.html', '.pdf', '.mht'])}"] = data
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "2023").mkdir()
    (folder / "2023" / "a.txt").write_text(REPORT.format(town="寅镇", year="2023年", n=1, m=1), encoding="utf-8")
    (folder / "x.txt").mkdir()
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "dangling.txt").symlink_to(folder / "nowhere.txt")
    return len(files) + 6  # + the subfolder, its report, a folder named x.txt, two links


class Live(HTMLParser):
    """Tags that would act: a link or image to the hostile targets, a script with the hostile code, an event handler."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") or "javascript:" in value or "fuzz.invalid" in value:
                self.found.append(f"<{tag} {name}={value[:60]!r}>")
        self._script = tag == "script"

    def handle_data(self, data):
        if self._script and "alert(" in data:
            self.found.append(f"<script>{data[:60]!r}")

    def handle_endtag(self, tag):
        self._script = False


def _options(example: str) -> list[str]:
    """The options of a command's own example (``python -m analysis NAME PATH --opt VALUE``), without its paths."""
    tokens = shlex.split(example.splitlines()[0])[4:]
    kept, i = [], 0
    while i < len(tokens):
        token = tokens[i]
        value = tokens[i + 1] if i + 1 < len(tokens) and not tokens[i + 1].startswith("-") else None
        if token.startswith("-"):
            if value is not None and ("/" in value or value.endswith((".csv", ".yml"))):
                i += 2  # an option naming a file of the example: left out
                continue
            kept += [token] + ([value] if value is not None else [])
            i += 1 + (value is not None)
        else:
            i += 1  # a path
    return kept


def run(args: list[str], *, timeout: int, env: dict) -> tuple[int | None, str, float]:
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "analysis", *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT, check=False
        )
    except subprocess.TimeoutExpired:
        return None, "", time.perf_counter() - started
    return done.returncode, done.stderr, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=20, help="random files besides the named hostile ones")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=int, default=900, help="seconds one command may take")
    parser.add_argument("--keep", help="build in this folder and keep it (default: a temporary folder)")
    parser.add_argument("--no-briefings", action="store_true", help="skip the briefings runs (the slow part)")
    options = parser.parse_args()
    base = Path(options.keep) if options.keep else Path(tempfile.mkdtemp(prefix="fuzz-inputs-"))
    data, out, cache = base / "data", base / "out", base / "cache"
    n = build_inputs(data, n_random=options.random, seed=options.seed)
    env = dict(os.environ, ANALYSIS_CACHE_DIR=str(cache), ANALYSIS_MAX_DOCX_BYTES="2000000", ANALYSIS_MAX_REPORT_CHARS="2000000")
    crashes = data_lost = unsafe = hangs = 0
    from analysis.cli import commands

    def check(label: str, code: int | None, err: str, seconds: float, allowed=(0, 1)) -> None:
        nonlocal crashes, hangs
        if code is None:
            hangs += 1
            print(f"hang: {label} (> {options.timeout} s)")
        elif code not in allowed or "Traceback" in err:
            crashes += 1
            tail = err.strip().splitlines()[-1] if err.strip() else ""
            print(f"crash: {label} exit {code}: {tail[:200]}")
        else:
            print(f"ok: {label} exit {code} in {seconds:.1f} s", file=sys.stderr)

    outside_before = {p.name for p in base.iterdir()}
    for command in commands():
        if not command.reads:
            continue
        extra = _options(command.example)
        if command.name == "pipeline":
            extra = ["--out", str(base / "tables"), "--workers", "2"]
        code, err, seconds = run([command.name, str(data), *extra], timeout=options.timeout, env=env)
        check(command.name, code, err, seconds, allowed=(0, 1, 2))  # 2: a clean usage error (no such town in this folder)
    code, err, seconds = run(["cache", "info", "--cache-dir", str(cache)], timeout=options.timeout, env=env)
    check("cache info", code, err, seconds, allowed=(0,))

    # runs of nothing never replace earlier output
    out.mkdir()
    (out / "index.html").write_text("earlier index", encoding="utf-8")
    (base / "tables").mkdir(exist_ok=True)
    (base / "tables" / "reports.parquet").write_bytes(b"earlier tables")
    (base / "empty").mkdir()
    for label, args in (
        ("briefings --data missing", ["briefings", "--data", str(base / "missing"), "--out", str(out), "--quiet"]),
        ("briefings --data empty", ["briefings", "--data", str(base / "empty"), "--out", str(out), "--quiet"]),
        ("pipeline empty --out", ["pipeline", str(base / "empty"), "--out", str(base / "tables"), "--quiet"]),
    ):
        code, err, seconds = run(args, timeout=options.timeout, env=env)
        check(label, code, err, seconds, allowed=(2,))
    if (out / "index.html").read_text(encoding="utf-8") != "earlier index":
        data_lost += 1
        print("data lost: briefings of nothing replaced index.html")
    if (base / "tables" / "reports.parquet").read_bytes() != b"earlier tables":
        data_lost += 1
        print("data lost: pipeline of nothing replaced reports.parquet")

    if not options.no_briefings:
        code, err, seconds = run(
            ["briefings", "--data", str(data), "--out", str(out), "--quiet", "-j", "2"], timeout=options.timeout, env=env
        )
        check("briefings", code, err, seconds)
        for line in err.splitlines():  # exit 1 is also what unreadable files give: a briefing that failed is named on stderr
            if line.startswith("error: "):
                crashes += 1
                print(f"crash: a briefing failed: {line[len('error: ') :][:300]}")
        pages = sorted(out.glob("*.html"))
        if len(pages) < 2:
            data_lost += 1
            print(f"data lost: briefings wrote {len(pages)} pages")
        for page in pages:
            live = Live()
            live.feed(page.read_text(encoding="utf-8", errors="replace"))
            for tag in live.found:
                unsafe += 1
                print(f"unsafe: {page.name}: {tag}")
    new_outside = {p.name for p in base.iterdir()} - outside_before - {"out", "tables", "empty", "cache"}
    for name in sorted(new_outside):
        unsafe += 1
        print(f"unsafe: a file written outside --out: {base / name}")
    print(f"inputs={n} crashes={crashes} data_lost={data_lost} unsafe={unsafe} hangs={hangs}")
    if not options.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0 if crashes == data_lost == unsafe == hangs == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
