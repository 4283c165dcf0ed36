"""How many A4 pages each briefing prints to: headless Chromium's print to PDF, pages counted with pypdf.

    .venv/bin/python benchmarks/print_pages.py reports/          # every *.html of the folder
    .venv/bin/python benchmarks/print_pages.py /tmp/base_briefings --pdf /tmp/pdfs

Runs ``chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer --print-to-pdf=FILE PAGE``
once per page (the page's own ``@page`` rule sets A4; a page without one prints on Chromium's default
Letter size, or on A4 with ``--a4``) and prints ``page,pages`` as CSV.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pypdf import PdfReader


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    sys.exit("chromium is not installed (Debian: apt-get install chromium)")


def printed_pages(page: Path, pdf: Path, *, browser: str) -> int:
    """Print *page* to *pdf* with headless Chromium; the number of pages."""
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return len(PdfReader(str(pdf)).pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a folder of briefings (HTML)")
    parser.add_argument(
        "--a4",
        action="store_true",
        help="print a copy with '@page { size: A4 }' added, for pages that set no paper size (the briefings before issue 14)",
    )
    parser.add_argument("--pdf", type=Path, default=None, help="keep the PDFs in this folder (default: a temporary one)")
    args = parser.parse_args(argv)
    browser = chromium()
    out = args.pdf or Path(tempfile.mkdtemp(prefix="print-pages-"))
    out.mkdir(parents=True, exist_ok=True)
    print("page,pages")
    for page in sorted(args.folder.glob("*.html")):
        printed = page
        if args.a4:
            printed = out / page.name
            text = page.read_text(encoding="utf-8")
            printed.write_text(text.replace("</head>", "<style>@page { size: A4; }</style></head>", 1), encoding="utf-8")
        print(f"{page.name},{printed_pages(printed, out / (page.stem + '.pdf'), browser=browser)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
