"""Keyness on the five real reports: the statistics against scipy, each town's own terms, the order and the groups.

Expected words were read from the reports (occurrences counted in the text
with str.count), not produced by the code under test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from analysis import keyness
from analysis.errors import AnalysisError
from analysis.frequency import FrequencyWarning
from analysis.keyness import KEYNESS_COLUMNS
from tests.conftest import IDS, TOWNS


def test_keyness_matches_scipy(terms):
    table = keyness.keyness(terms, IDS["上社镇"], correction="none", keep_places=True)
    plain = keyness.keyness(terms, IDS["上社镇"], keep_places=True)
    n_target = (terms["doc_id"] == IDS["上社镇"]).sum()
    n_ref = len(terms) - n_target
    for token in ["执法", "法治", "剧本杀", "群众", "案件"]:
        row = table.set_index("token").loc[token]
        a, b = row["n_target"], row["n_reference"]
        observed = np.array([[a, b], [n_target - a, n_ref - b]])
        chi2_plain = chi2_contingency(observed, correction=False)[0]
        chi2_yates = chi2_contingency(observed, correction=True)[0]
        g2 = chi2_contingency(observed, correction=False, lambda_="log-likelihood")[0]
        assert abs(row["chi2"]) == pytest.approx(chi2_plain, rel=1e-6, abs=1e-6)
        assert abs(row["g2"]) == pytest.approx(g2, rel=1e-6, abs=1e-6)
        corrected = plain.set_index("token").loc[token]
        assert abs(corrected["chi2"]) == pytest.approx(chi2_yates, rel=1e-6, abs=1e-6)
        assert abs(corrected["g2"]) <= abs(row["g2"]) + 1e-9  # Williams's correction shrinks G²
        expected_sign = 1 if a / n_target > b / n_ref else -1
        assert np.sign(row["chi2"]) in (expected_sign, 0)
        assert row["direction"] == ("target" if expected_sign > 0 else "reference")


def test_keyness_shenshu_ranks_its_own_terms_above_common_ones(reports, terms, corpus_counts):
    texts = dict(zip(reports["town"], reports["text"]))
    only_shenshu = ["村屯", "反诈", "剧本杀", "神树镇"]
    for word in only_shenshu:  # read in the texts: 神树镇 alone writes these
        assert texts["神树镇"].count(word) > 0 and all(texts[t].count(word) == 0 for t in TOWNS if t != "神树镇")
    every_town = set(corpus_counts[corpus_counts["docs"] == 5]["token"])
    assert {"法治", "群众", "基层", "普法"} <= every_town

    chi2 = keyness.keyness(terms, "神树镇", by="town", keep_places=True).set_index("token")
    assert list(keyness.keyness(terms, "神树镇", by="town").columns) == KEYNESS_COLUMNS
    worst_common = chi2.loc[sorted(every_town), "rank"].min()
    for word in ["村屯", "反诈", "神树镇"]:  # used 3-4 times, by 神树镇 alone
        assert chi2.loc[word, "rank"] < worst_common
        assert chi2.loc[word, "direction"] == "target" and chi2.loc[word, "chi2_p"] < 0.01

    g2 = keyness.keyness(terms, "神树镇", by="town", measure="g2").set_index("token")
    for common in ["法治", "法治建设", "群众", "基层", "普法"]:
        assert g2.loc["剧本杀", "rank"] < g2.loc[common, "rank"], common
    assert chi2.loc["法治", "direction"] == "reference"  # 26 times in 神树镇 against 205 elsewhere


def test_keyness_sorted_and_deterministic(terms):
    one = keyness.keyness(terms, "双庙镇", by="town")
    two = keyness.keyness(terms, "双庙镇", by="town")
    pd.testing.assert_frame_equal(one, two)
    assert one["chi2"].is_monotonic_decreasing
    assert list(one["rank"]) == list(range(1, len(one) + 1))
    g2 = keyness.keyness(terms, "双庙镇", by="town", measure="g2")
    assert g2["g2"].is_monotonic_decreasing
    top = keyness.keyness(terms, "双庙镇", by="town", top=5)
    assert (top["direction"].value_counts() == 5).all()


def test_the_top_key_terms_are_the_first_and_last_rows_of_the_whole_table(terms):
    """With *top*, only the rows kept are put in order and given p-values: they must be the whole sorted table's first
    rows of direction target and its last of direction reference, with their ranks in it; also when a direction has
    fewer rows than *top*, and for no rows at all."""
    gk = keyness.GroupKeyness(terms, by="town")
    for town in TOWNS:
        for measure in ("chi2", "g2"):
            whole = keyness.keyness(terms, town, by="town", measure=measure)
            down = int((whole["direction"] == "reference").sum())
            for top in (0, 1, 5, 20, down - 1, down + 3, len(whole) + 1):
                expected = pd.concat(
                    [whole[whole["direction"] == "target"].head(top), whole[whole["direction"] == "reference"].tail(top)]
                ).reset_index(drop=True)
                pd.testing.assert_frame_equal(keyness.keyness(terms, town, by="town", measure=measure, top=top), expected)
                pd.testing.assert_frame_equal(gk(town, measure=measure, top=top), expected)


def test_keyness_of_several_targets_and_by_group(terms):
    both = keyness.keyness(terms, ["神树镇", "都督乡"], by="town", keep_places=True)
    assert both["n_target"].sum() == terms["town"].isin(["神树镇", "都督乡"]).sum()
    every = keyness.keyness_by(terms, by="town", top=3, keep_places=True)
    assert list(every.columns) == ["town", *KEYNESS_COLUMNS]
    assert sorted(every["town"].unique()) == TOWNS
    shenshu = every[every["town"] == "神树镇"]
    assert "神树镇" in set(shenshu["token"])


def test_keyness_by_group_is_the_keyness_of_each_group(terms):
    """keyness_by counts every (town, token) once (GroupKeyness); each town's rows are still keyness of that town."""
    for options in ({"top": None}, {"top": 3, "measure": "g2"}):
        every = keyness.keyness_by(terms, by="town", **options)
        assert sorted(every["town"].unique()) == TOWNS
        for town in TOWNS:
            mine = every[every["town"] == town].drop(columns="town").reset_index(drop=True)
            pd.testing.assert_frame_equal(mine, keyness.keyness(terms, town, by="town", **options))


def test_keyness_bad_targets(terms):
    with pytest.warns(FrequencyWarning, match="no tokens have town = 不存在镇"):
        table = keyness.keyness(terms, "不存在镇", by="town")
    assert table.empty and list(table.columns) == KEYNESS_COLUMNS
    with pytest.warns(FrequencyWarning, match="no reference"):
        table = keyness.keyness(terms, TOWNS, by="town")
    assert table.empty and list(table.columns) == KEYNESS_COLUMNS
    with pytest.raises(AnalysisError, match="measure"):
        keyness.keyness(terms, "神树镇", by="town", measure="pmi")


def test_keyness_leaves_the_own_name_out_by_default(terms):
    """神树镇 writes its name 4 times, no other report does: kept, it tops 神树镇's keyness (see above)."""
    table = keyness.keyness(terms, "神树镇", by="town")
    assert "神树镇" not in set(table["token"])
    for word in ["村屯", "反诈"]:  # its other own words stay, and come near the top
        assert table.set_index("token").loc[word, "rank"] <= 6
    assert "杭锦后旗" not in set(keyness.keyness(terms, "双庙镇", by="town")["token"])
    assert "杭锦后旗" in set(keyness.keyness(terms, "双庙镇", by="town", keep_places=True)["token"])
    # only the target's names go: 神树镇's name is not 双庙镇's
    assert "神树镇" in set(keyness.keyness(terms, "双庙镇", by="town")["token"])
    every = keyness.keyness_by(terms, by="town", top=3)
    for town, part in every.groupby("town"):
        assert town not in set(part["token"])
    assert "乌马河镇" in set(keyness.keyness_by(terms, by="town", top=3, keep_places=True).query("town == '乌马河镇'")["token"])
