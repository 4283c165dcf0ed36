"""pdfplumber against pypdf on Chinese PDFs made from the five reports.

    .venv/bin/python -m pip install -e ".[compare]"   # trafilatura, pdfplumber
    .venv/bin/python benchmarks/pdf_extractors.py

Writes each report of data/raw as an A4 PDF with matplotlib's PDF backend in
the package's CJK font (Noto Sans CJK SC), once with TrueType/CID fonts
(``pdf.fonttype 42``) and once with Type 3 fonts (matplotlib's default), then
reads the text layer back with both libraries.  Also tries a truncated copy
(the first half of the bytes) and a page that is only an image (a scan).

For each library: share of the report's characters read back in order (ratio
of difflib's matching blocks, spaces and line breaks ignored), time per PDF,
and what happens on the damaged and the image-only files.
"""

from __future__ import annotations

import difflib
import io
import re
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_pdf(text: str, *, fonttype: int) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.font_manager import FontProperties

    from analysis.fonts import font_path

    font = FontProperties(fname=str(font_path()))
    lines = [chunk for line in text.split("\n") if line.strip() for chunk in textwrap.wrap(line.strip(), 38)]
    buffer = io.BytesIO()
    with matplotlib.rc_context({"pdf.fonttype": fonttype}), PdfPages(buffer) as pdf:
        for start in range(0, len(lines), 40):
            figure = plt.figure(figsize=(8.27, 11.69))
            for i, line in enumerate(lines[start : start + 40]):
                figure.text(0.08, 0.95 - i * 0.022, line, fontproperties=font, fontsize=10)
            pdf.savefig(figure)
            plt.close(figure)
    return buffer.getvalue()


def image_pdf() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    figure = plt.figure(figsize=(8.27, 11.69))
    figure.figimage(np.random.default_rng(0).random((400, 300)))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="pdf")
    plt.close(figure)
    return buffer.getvalue()


def read_pdfplumber(data: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def read_pypdf(data: bytes) -> str:
    import pypdf

    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def main() -> int:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "data" / "raw").glob("*.txt"))]
    libraries = {"pdfplumber": read_pdfplumber, "pypdf": read_pypdf}
    for fonttype in (42, 3):
        pdfs = [make_pdf(text, fonttype=fonttype) for text in texts]
        for name, read in libraries.items():
            ratios, seconds = [], 0.0
            for text, data in zip(texts, pdfs):
                started = time.perf_counter()
                try:
                    out = read(data)
                except Exception:  # noqa: BLE001 — a benchmark records any failure
                    out = ""
                seconds += time.perf_counter() - started
                a, b = re.sub(r"\s", "", text), re.sub(r"\s", "", out)
                ratios.append(sum(m.size for m in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()) / len(a))
            print(
                f"fonttype {fonttype:>2} {name:>10}: characters read back {sum(ratios) / len(ratios):.3f}  {1000 * seconds / len(pdfs):.0f} ms per PDF"
            )
    damaged = make_pdf(texts[0], fonttype=42)
    for label, data in (("truncated", damaged[: len(damaged) // 2]), ("image only", image_pdf())):
        for name, read in libraries.items():
            try:
                out = read(data)
                result = f"returns {len(re.findall(r'[一-鿿]', out))} Chinese characters"
            except Exception as exc:  # noqa: BLE001
                result = f"raises {exc.__class__.__name__}"
            print(f"{label:>10} {name:>10}: {result}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
