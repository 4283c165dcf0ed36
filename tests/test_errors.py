"""One error hierarchy (errors.py): bad options are OptionError (an AnalysisError and a ValueError) everywhere."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import boilerplate, cache, concordance, config, cues, errors, frequency, keyness, pipeline, structure, themes
from tests.conftest import RAW_FILES

SRC = Path(__file__).resolve().parents[1] / "src" / "analysis"


def test_every_exception_and_warning_class_is_defined_in_errors_py():
    elsewhere = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(b) for b in node.bases]
                if any(b.endswith(("Error", "Exception", "Warning")) for b in bases):
                    elsewhere.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name}({', '.join(bases)})")
    assert not elsewhere, "define these in errors.py: " + "; ".join(elsewhere)


def test_the_old_names_still_import_and_are_the_same_classes():
    assert cues.CueSyntaxError is errors.CueSyntaxError
    assert cache.CacheError is errors.CacheError and cache.CacheWarning is errors.CacheWarning
    assert pipeline.PipelineError is errors.PipelineError
    assert frequency.FrequencyWarning is errors.FrequencyWarning
    for cls in (errors.InputError, errors.LexiconError, errors.OptionError, errors.CacheError, errors.PipelineError):
        assert issubclass(cls, errors.AnalysisError)
    assert issubclass(errors.FrequencyWarning, UserWarning) and issubclass(errors.CacheWarning, errors.AnalysisWarning)


@pytest.fixture(scope="module")
def terms_table(reports):
    return frequency.terms(reports)


BAD_OPTIONS = {
    "section role": (lambda r, t: frequency.terms(r, role="结尾"), "unknown section role '结尾'"),
    "ngram": (lambda r, t: frequency.terms(r, ngram=3), "ngram=3"),
    "group column": (lambda r, t: frequency.counts(t, by="乡镇", reports=r), "cannot group by '乡镇'"),
    "measure": (lambda r, t: keyness.keyness(t, r["doc_id"].iloc[0], measure="t"), "measure='t'"),
    "kwic window": (lambda r, t: concordance.kwic(r, "网格", window=-1), "window=-1"),
    "kwic regex": (lambda r, t: concordance.kwic(r, "(网格", regex=True), "bad regular expression"),
    "item role": (lambda r, t: structure.items(r, role="成绩"), "role must be one of"),
    "theme grouping": (lambda r, t: themes.theme_table(*_coded(r), by="省份", reports=r), "'省份'"),
    "n-gram size": (lambda r, t: boilerplate.index(r, n=1), "n must be at least 2"),
    "pipeline stage": (lambda r, t: pipeline.available_stages(["词云"]), "no pipeline stage '词云'"),
    "cue": (lambda r, t: cues.Cue.parse("(网格 | 格"), "ends too early"),
}


def _coded(reports):
    problems = structure.items(reports, role="problems")
    return themes.code_items(problems), problems


@pytest.mark.parametrize("case", list(BAD_OPTIONS))
def test_a_bad_option_is_an_option_error(case, reports, terms_table):
    call, message = BAD_OPTIONS[case]
    with pytest.raises(errors.OptionError, match=message.replace("(", r"\(")) as caught:
        call(reports, terms_table)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, errors.AnalysisError)


def test_the_command_line_names_a_bad_option_and_exits_2():
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "terms", str(RAW_FILES[0]), "--role", "结尾"],
        capture_output=True,
        text=True,
        cwd=config.ROOT,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert "error: unknown section role '结尾'" in result.stderr
