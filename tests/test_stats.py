"""analysis.stats: the chi-square tail without importing scipy.stats."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from scipy.stats import chi2

from analysis.stats import chi2_sf


def test_chi2_sf_is_scipy_stats_chi2_sf():
    rng = np.random.default_rng(3)
    x = np.concatenate([[0.0, 1e-300, 0.5, 3.841458820694124, 10.0, 1e3, 1e6, np.inf, np.nan, -1.0, -np.inf], rng.exponential(5, 20_000)])
    for df in (1, 2, 3, 9, 30):
        np.testing.assert_array_equal(chi2_sf(x, df), chi2.sf(x, df))
    assert abs(float(chi2_sf(3.841458820694124, 1)) - 0.05) < 1e-12  # the 5 % point of one degree of freedom


def test_keyness_does_not_import_scipy_stats():
    """A notebook's first keyness table no longer pays for importing scipy.stats (about a second and a half)."""
    code = (
        "import sys, pandas as pd\n"
        "from analysis import keyness\n"
        "terms = pd.DataFrame({'doc_id': ['a', 'a', 'b'], 'town': ['甲镇', '甲镇', '乙镇'], 'token': ['执法', '普法', '执法']})\n"
        "keyness.keyness(terms, '甲镇', by='town')\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
