"""Every briefing, opened in headless Chromium with no network: rendered, titled, quiet, figures loaded.

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``:
no port, no extra package).  The network is off three ways: the host resolver
maps every name to nothing, a dead proxy takes every connection, and every
request the page makes that is not a ``file:`` or ``data:`` URL is failed and
recorded, so a test can say exactly what a page tried to fetch.
"""

from __future__ import annotations

import base64
import fcntl
import io
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.plots.style import BAR_COLOR

pytestmark = pytest.mark.slow

CHROMIUM = next(
    (p for p in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or "") if p and Path(p).is_file()),
    None,
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian: apt-get install chromium; .ci/run installs it): the briefings were not looked at in a browser",
)
WIDTH, HEIGHT = 1200, 900
A4_TEXT_WIDTH = 703  # CSS pixels: A4 (210 mm) less the page's 12 mm margins on both sides, at 96 px per inch
SHOTS_DIR = Path(__file__).resolve().parents[1] / "reports" / "_browser"  # screenshots for a reviewer, kept after the test


class Browser:
    """A headless Chromium spoken to over the DevTools pipe (fd 3 in, fd 4 out)."""

    def __init__(self, executable: str = CHROMIUM or "chromium") -> None:
        self.profile = tempfile.mkdtemp(prefix="chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire() -> None:  # in the child: the pipe ends where Chromium looks for them
            reading, writing = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser_r, from_browser_w))
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        self.process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--remote-debugging-pipe",
                "--no-sandbox",  # root in CI
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                "--mute-audio",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--proxy-server=http://127.0.0.1:9",
                "--proxy-bypass-list=<-loopback>",
                f"--user-data-dir={self.profile}",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire,
            close_fds=False,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next = 0
        self.events: list[dict] = []

    # -- the protocol

    def send(self, method: str, params: dict | None = None, *, session: str | None = None, timeout: float = 30) -> dict:
        self._next += 1
        message = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._event(reply)

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def _event(self, event: dict) -> None:
        method = event.get("method", "")
        session = event.get("sessionId")
        params = event.get("params", {})
        if method == "Fetch.requestPaused":  # every request: file and data go on, anything else fails here
            url = params["request"]["url"]
            if url.startswith(("file:", "data:")):
                self._reply("Fetch.continueRequest", {"requestId": params["requestId"]}, session)
            else:
                self.events.append({"method": "blocked", "params": {"url": url}})
                self._reply("Fetch.failRequest", {"requestId": params["requestId"], "errorReason": "InternetDisconnected"}, session)
            return
        if method == "Page.javascriptDialogOpening":
            self._reply("Page.handleJavaScriptDialog", {"accept": True}, session)
        self.events.append(event)

    def _reply(self, method: str, params: dict, session: str | None) -> None:
        self._next += 1
        message = {"id": self._next, "method": method, "params": params, "sessionId": session}
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")

    def wait_for(self, method: str, *, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method:
                    return event
            self._event(self._read(deadline))

    # -- a page

    def visit(self, path: Path, *, screenshot: Path | None = None, full_page: bool = False, print_preview: Path | None = None) -> dict:
        """Open *path*; return what was seen: title, visible text, images, console errors, blocked requests, dialogs.

        With *print_preview*, also the page as printed on A4: a screenshot of the print media at the
        width of an A4 page's text (saved there), how far any table reaches past that width, and the
        number of pages Chromium's print to PDF gives."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.events = []
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, session=session)
        self.send("Network.enable", session=session)
        self.send(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
            session=session,
        )
        self.send("Page.navigate", {"url": path.resolve().as_uri()}, session=session)
        self.wait_for("Page.loadEventFired")
        state = self.send(
            "Runtime.evaluate",
            {
                "expression": """(async () => {
                    await document.fonts.ready;
                    const images = Array.from(document.images);
                    await Promise.all(images.map(i => i.decode().catch(() => null)));
                    return JSON.stringify({
                        title: document.title,
                        h1: (document.querySelector('h1') || {}).textContent || '',
                        text: document.body.innerText.length,
                        visible: document.body.innerText,
                        height: document.documentElement.scrollHeight,
                        images: images.map(i => ({src: i.src.slice(0, 30), complete: i.complete, width: i.naturalWidth, height: i.naturalHeight})),
                        fonts: Array.from(document.fonts).map(f => f.family + ':' + f.status),
                        charts: Array.from(document.querySelectorAll('table.analysis-bars')).map(
                            t => Array.from(t.querySelectorAll('span')).filter(s => s.offsetWidth > 0 && s.offsetHeight > 0).length),
                        overrun: Array.from(document.querySelectorAll('table.analysis-bars tbody th'))
                            .filter(th => th.scrollWidth > th.clientWidth + 1).map(th => th.textContent),
                        drawings: Array.from(document.querySelectorAll('figure.analysis-points svg')).map(svg => {
                            const shown = svg.getBoundingClientRect();
                            const words = Array.from(svg.querySelectorAll('text'));
                            const cut = words.filter(t => { const b = t.getBoundingClientRect();
                                return b.left < shown.left - 1 || b.top < shown.top - 1 || b.right > shown.right + 1 || b.bottom > shown.bottom + 1;
                            }).map(t => t.textContent);
                            return {words: words.length, dots: svg.querySelectorAll('circle, polygon').length, width: shown.width, cut: cut};
                        }),
                    });
                })()""",
                "awaitPromise": True,
                "returnByValue": True,
            },
            session=session,
        )
        seen = json.loads(state["result"]["value"])
        params = {"format": "png"}
        if full_page:
            params |= {
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": WIDTH, "height": min(seen["height"], 16000), "scale": 1},
            }
        png = base64.b64decode(self.send("Page.captureScreenshot", params, session=session)["data"])
        if screenshot is not None:
            screenshot.write_bytes(png)
        seen["png"] = png
        seen["errors"] = [_describe(e) for e in self.events if _is_error(e)]
        seen["blocked"] = [e["params"]["url"] for e in self.events if e.get("method") == "blocked"]
        seen["dialogs"] = [e["params"].get("message") for e in self.events if e.get("method") == "Page.javascriptDialogOpening"]
        if print_preview is not None:
            seen |= self._print_preview(session, print_preview)
        self.send("Target.closeTarget", {"targetId": target})
        return seen

    def _print_preview(self, session: str, png_path: Path) -> dict:
        self.send("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": A4_TEXT_WIDTH, "height": 1100, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        measured = self.send(
            "Runtime.evaluate",
            {
                "expression": """JSON.stringify({
                    width: document.documentElement.clientWidth,
                    height: document.documentElement.scrollHeight,
                    widest: Math.max(0, ...Array.from(document.querySelectorAll('table, img')).map(t => Math.ceil(t.getBoundingClientRect().right))),
                })""",
                "returnByValue": True,
            },
            session=session,
        )
        sizes = json.loads(measured["result"]["value"])
        shot = self.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": A4_TEXT_WIDTH, "height": min(sizes["height"], 16000), "scale": 1},
            },
            session=session,
        )
        png_path.write_bytes(base64.b64decode(shot["data"]))
        pdf = base64.b64decode(self.send("Page.printToPDF", {"preferCSSPageSize": True}, session=session, timeout=120)["data"])
        self.send("Emulation.clearDeviceMetricsOverride", session=session)
        self.send("Emulation.setEmulatedMedia", {"media": ""}, session=session)
        return {"print_width": sizes["width"], "print_widest": sizes["widest"], "pages": pdf_pages(pdf), "print_fills": pdf_fills(pdf)}

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            self.process.kill()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self._to_browser)
        os.close(self._from_browser)
        shutil.rmtree(self.profile, ignore_errors=True)


def _is_error(event: dict) -> bool:
    method, params = event.get("method"), event.get("params", {})
    if method == "Runtime.exceptionThrown":
        return True
    if method == "Runtime.consoleAPICalled":
        return params.get("type") in {"error", "assert"}
    if method == "Log.entryAdded":
        return params.get("entry", {}).get("level") == "error"
    return False


def _describe(event: dict) -> str:
    params = event.get("params", {})
    if "entry" in params:
        return f"{params['entry'].get('source')}: {params['entry'].get('text')} {params['entry'].get('url', '')}"
    if "exceptionDetails" in params:
        return params["exceptionDetails"].get("text", "exception")
    return " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))


def pdf_pages(pdf: bytes) -> int:
    """The number of pages of a PDF."""
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def pdf_fills(pdf: bytes) -> set[tuple[float, float, float]]:
    """The RGB colours a PDF fills with (its pages' ``r g b rg`` operators)."""
    import re

    from pypdf import PdfReader

    fills = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for r, g, b in re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) rg\b", page.get_contents().get_data()):
            fills.add((float(r), float(g), float(b)))
    return fills


def has_fill(fills: set[tuple[float, float, float]], colour: str) -> bool:
    """Whether *fills* holds *colour* (``#rrggbb``), to the PDF's rounding."""
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return any(all(abs(a - b) < 0.003 for a, b in zip(fill, rgb)) for fill in fills)


def code_words() -> set[str]:
    """What a reader must never see: the column names of the package's tables, the indicator keys,
    and the words pandas and Python print for nothing (NaN, None, True, False, "rows ×")."""
    import yaml

    from analysis import config, pipeline

    results = pipeline.run(config.DATA_RAW, workers=1, progress=False, warn=False)
    words = set(results.reports.columns) | set(results.problems.columns)
    for name in results.tables if hasattr(results, "tables") else ():
        words |= {str(c) for c in results[name].columns}
    words |= set(yaml.safe_load(config.INDICATORS_FILE.read_text(encoding="utf-8"))["keys"])
    words |= set(yaml.safe_load(config.LABELS_FILE.read_text(encoding="utf-8"))["columns"])
    return {w for w in words if len(w) >= 3} | {"NaN", "None", "True", "False", "rows ×"}


def code_in(text: str, words: set[str]) -> list[str]:
    """Each of *words* that *text* shows as a word of its own, with what surrounds it."""
    import re

    found = []
    for word in sorted(words):
        # a word of its own: not part of a longer identifier, nor of a file path or name (data/raw, docs/readme/x.md)
        match = re.search(r"(?<![A-Za-z0-9_/.\\])" + re.escape(word) + r"(?![A-Za-z0-9_/\\]|\.[A-Za-z])", text)
        if match:
            found.append(f"{word!r} in …{text[max(0, match.start() - 25) : match.end() + 25]}…".replace("\n", " "))
    return found


def ink(png: bytes) -> tuple[float, int]:
    """Share of the picture that is not background, and the number of colours in it."""
    import numpy as np
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.thumbnail((600, 600))
    pixels = np.asarray(image).reshape(-1, 3).astype(int)
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    background = colours[counts.argmax()]
    inked = (np.abs(pixels - background).sum(axis=1) > 60).mean()
    return float(inked), len(colours)


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    chromium = Browser()
    yield chromium
    chromium.close()


# ------------------------------------------------------------ tests


@needs_chromium
def test_every_briefing_renders_offline(browser, built_briefings):
    out, summary = built_briefings
    pages = [(Path(row.html), row.title) for row in summary.itertuples()] + [(out / "index.html", "法治政府建设年度报告简报 · 目录")]
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    words = code_words()
    for path, title in pages:
        seen = browser.visit(
            path, screenshot=SHOTS_DIR / f"{path.stem}.png", full_page=True, print_preview=SHOTS_DIR / f"{path.stem}.print.png"
        )
        where = path.name
        assert code_in(seen["visible"], words) == [], f"{where}: code shown to the reader"
        assert seen["print_widest"] <= seen["print_width"] + 2, (
            f"{where}: printed on A4, a table or figure is cut ({seen['print_widest']} > {seen['print_width']} px)"
        )
        assert seen["pages"] >= 1
        assert seen["title"] == title, where
        assert seen["h1"].strip(), f"{where}: no heading shown"
        assert seen["text"] > 200, f"{where}: almost no text shown"
        assert seen["errors"] == [], f"{where}: console errors {seen['errors']}"
        assert seen["blocked"] == [], f"{where}: tried to fetch {seen['blocked']}"
        assert seen["dialogs"] == [], where
        assert all(img["complete"] and img["width"] > 0 and img["height"] > 0 for img in seen["images"]), (
            f"{where}: a figure did not load {seen['images']}"
        )
        html = path.read_text(encoding="utf-8")
        assert len(seen["images"]) == html.count("<img "), where
        assert "AnalysisCJK:loaded" in seen["fonts"], f"{where}: the embedded CJK font was not used {seen['fonts']}"
        assert seen["overrun"] == [], f"{where}: a bar chart's labels run under its bars {seen['overrun'][:5]}"
        # a network or biplot drawn by the browser: shown, every word inside its picture
        assert all(d["words"] > 0 and d["dots"] > 0 and d["width"] > 100 for d in seen["drawings"]), f"{where}: {seen['drawings']}"
        assert [d["cut"] for d in seen["drawings"] if d["cut"]] == [], f"{where}: a word of a drawing runs out of it"
        if path.name.startswith("07_"):
            assert len(seen["drawings"]) >= 3, f"{where}: the network and the two biplots drawn by the browser"
        share, colours = ink(seen["png"])
        assert share > 0.02 and colours > 20, f"{where}: the screenshot is (nearly) blank ({share:.3f} inked, {colours} colours)"
        if path.name.startswith("04_town_profile-"):
            assert len(seen["images"]) == 1, f"{where}: the word cloud expected"
            # the ratio chart (or the sentence that there is nothing to compare), top terms and key terms, drawn as HTML
            assert len(seen["charts"]) >= 2 and all(bars > 0 for bars in seen["charts"]), f"{where}: bar charts {seen['charts']}"
            assert has_fill(seen["print_fills"], BAR_COLOR), f"{where}: the bars are not printed"
        if path.name != "index.html" and seen["text"] > 3000:
            assert "目录" in seen["visible"][:2000], f"{where}: no table of contents under the title"
    print(f"screenshots (screen and print preview) in {SHOTS_DIR}")


def test_the_code_check_sees_code():
    words = {"doc_id", "n_chars", "enforcement_inspections", "NaN", "None", "False", "rows ×"}
    assert code_in("乡镇 doc_id 字数", words) == ["'doc_id' in …乡镇 doc_id 字数…"]
    assert [f.split()[0] for f in code_in("5 rows × 26 columns；数值 NaN；执法检查 enforcement_inspections", words)] == [
        "'NaN'",
        "'enforcement_inspections'",
        "'rows",
    ]
    assert code_in("上一年度 False", words) and code_in("None", words)
    assert code_in("文件 001_da8b8fa9e6decef4.txt，n_chars_total 与 Nonetheless", words) == []  # parts of other words are not code words
    assert code_in("输入数据 data/raw/doc_id.txt", words) == []  # nor is a path
    assert code_in("NaN。", words)


@needs_chromium
def test_the_checks_see_a_broken_page(browser, tmp_path):
    """The checks above fail on a page that fetches from outside, errs, or shows a broken figure."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>坏页面</title><script src='https://cdn.example/x.js'></script></head>"
        "<body><h1>x</h1><img src='missing.png'><script>console.error('boom'); undefined_call();</script></body></html>",
        encoding="utf-8",
    )
    seen = browser.visit(page)
    assert seen["blocked"] == ["https://cdn.example/x.js"]
    assert any("boom" in e for e in seen["errors"]) and any("undefined_call" in e or "Uncaught" in e for e in seen["errors"])
    assert [img["width"] for img in seen["images"]] == [0]
    share, _ = ink(seen["png"])
    assert share < 0.02


@needs_chromium
def test_bar_charts_print_because_they_ask_to(browser, tmp_path):
    """A bar is a coloured background; Chromium prints it only with the chart's print-color-adjust, and the check sees that."""
    from analysis import plots

    counts = pd.DataFrame({"token": ["执法", "普法"], "count": [9, 3]})
    chart = plots.terms_bar_html(counts).to_html()
    for name, html, printed in [("chart", chart, True), ("bare", chart.replace("print-color-adjust: exact", "x: y"), False)]:
        page = tmp_path / f"{name}.html"
        page.write_text(f"<!DOCTYPE html><html><head><title>图</title></head><body><h1>图</h1>{html}</body></html>", encoding="utf-8")
        seen = browser.visit(page, print_preview=tmp_path / f"{name}.print.png")
        assert seen["charts"] == [2], name  # two bars shown on screen either way
        assert has_fill(seen["print_fills"], BAR_COLOR) is printed, name


@needs_chromium
def test_report_text_never_runs_in_the_browser(browser, tmp_path):
    from analysis import briefings
    from tests.test_briefings import xss_corpus

    data = xss_corpus(tmp_path / "raw")
    summary = briefings.build(data, out=tmp_path / "out", notebooks=["00", "04"], towns=["测试镇"], progress=False)
    assert (summary["status"] == "written").all(), "\n".join(summary["message"])
    for path in [*map(Path, summary["html"]), tmp_path / "out" / "index.html"]:
        seen = browser.visit(path)
        assert seen["dialogs"] == [] and seen["errors"] == [] and seen["blocked"] == [], path.name


def screenshot(page: Path, png: Path, *, height: int = 1400) -> None:
    """Save the top *height* pixels of *page* as *png* (docs/screenshot.png is made this way)."""
    browser = Browser()
    try:
        seen = browser.visit(page, full_page=True)
    finally:
        browser.close()
    from PIL import Image

    image = Image.open(io.BytesIO(seen["png"]))
    image.crop((0, 0, WIDTH, min(height, image.height))).save(png, optimize=True)


if __name__ == "__main__":  # python tests/test_browser.py PAGE.html OUT.png
    import sys

    screenshot(Path(sys.argv[1]), Path(sys.argv[2]))


@needs_chromium
def test_a_word_cloud_drawn_by_the_browser_is_wordclouds_own_picture(browser, tmp_path):
    """A cloud is shown as SVG text in its own cut of the font (``wordclouds.cloud_svg``): Chromium draws it where
    wordcloud's own picture has it, the same words at the same places and sizes, offline."""
    import io

    from PIL import Image

    from analysis import config, frequency, load_corpus, wordclouds

    reports = load_corpus(config.DATA_RAW, warn=False).reports
    counts = frequency.counts(frequency.terms(reports[reports["town"] == "神树镇"]))
    shown = wordclouds.cloud_image(counts, max_words=120, width=1000, height=600)
    page = tmp_path / "cloud.html"
    page.write_text(
        f"<!DOCTYPE html><html><head><title>词云</title><style>body {{ margin: 0 }} img {{ display: block }}</style></head>"
        f"<body>{shown._repr_html_()}<h1>词云</h1></body></html>",
        encoding="utf-8",
    )
    seen = browser.visit(page)
    assert seen["errors"] == [] and seen["blocked"] == [] and seen["images"][0]["width"] == 1000
    drawn = np.asarray(Image.open(io.BytesIO(seen["png"])).convert("RGB"), dtype=int)[:600, :1000]
    expected = np.asarray(Image.open(io.BytesIO(shown.to_png())).convert("RGB"), dtype=int)
    differ = np.abs(drawn - expected).sum(axis=2) > 96  # glyph edges are smoothed a little differently
    inked = (expected.sum(axis=2) < 600).mean()
    assert inked > 0.1 and differ.mean() < 0.01, f"{differ.mean():.4f} of the pixels differ ({inked:.3f} inked)"
