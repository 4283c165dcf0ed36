"""Shared fixtures: the real corpus, loaded once, and a notebook runner."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import config
from analysis.corpus import load_corpus

DATA = Path(__file__).parent / "data"
RAW_FILES = sorted(config.DATA_RAW.glob("*.txt"))
IDS = {
    "神树镇": "000_bf1fc012e4985da0",
    "都督乡": "001_da8b8fa9e6decef4",
    "上社镇": "002_b15026bdeddbedce",
    "双庙镇": "003_3f8b128c9f1ece00",
    "乌马河镇": "004_b94367512fba2235",
}
TOWNS = sorted(IDS)  # 上社镇, 乌马河镇, 双庙镇, 神树镇, 都督乡


@pytest.fixture(scope="session")
def corpus():
    """The five real reports of data/raw."""
    return load_corpus(config.DATA_RAW, warn=False)


@pytest.fixture(scope="session")
def reports(corpus) -> pd.DataFrame:
    return corpus.reports


@pytest.fixture(scope="session")
def sections(reports) -> pd.DataFrame:
    """Outline headings of the five reports."""
    from analysis import structure

    return structure.sections(reports)


@pytest.fixture(scope="session")
def items(reports) -> pd.DataFrame:
    """Problem and plan items of the five reports."""
    from analysis import structure

    return structure.items(reports)


@pytest.fixture(scope="session")
def terms(reports) -> pd.DataFrame:
    """One row per counted token of the five reports (``frequency.terms``)."""
    from analysis import frequency

    return frequency.terms(reports)


@pytest.fixture(scope="session")
def corpus_counts(terms) -> pd.DataFrame:
    """The five reports' term counts (``frequency.counts``)."""
    from analysis import frequency

    return frequency.counts(terms)


@pytest.fixture()
def run_notebook(tmp_path_factory):
    """Execute notebooks/NAME with papermill into a fresh folder; returns the executed notebook."""

    def run(name: str, **parameters):
        import nbformat
        import papermill

        out = tmp_path_factory.mktemp("executed") / name
        papermill.execute_notebook(
            str(config.NOTEBOOKS_DIR / name),
            str(out),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(config.NOTEBOOKS_DIR),
            progress_bar=False,
        )
        return nbformat.read(str(out), as_version=4)

    return run


@pytest.fixture(scope="session")
def built_briefings(tmp_path_factory):
    """Every briefing of the five reports, built once (analysis.briefings.build): (folder, summary table)."""
    from analysis.briefings import build

    out = tmp_path_factory.mktemp("briefings")
    return out, build(config.DATA_RAW, out=out, progress=False)


def notebook_text(nb) -> str:
    """Everything an executed notebook shows as text (HTML, plain, Markdown, streams)."""
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            parts.append(data.get("text/html", "") + data.get("text/plain", "") + data.get("text/markdown", "") + output.get("text", ""))
    return "\n".join(parts)


def word97(source: Path, outdir: Path, *, profile: Path) -> Path:
    """Convert *source* to a Word 97 .doc in *outdir* with LibreOffice headless (its user profile in *profile*)."""
    import subprocess

    from analysis import loaders

    command = [loaders.soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "doc:MS Word 97"]
    subprocess.run([*command, "--outdir", str(outdir), str(source)], capture_output=True, timeout=180, check=True)
    return outdir / f"{source.stem}.doc"
