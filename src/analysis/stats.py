"""Statistical helpers the measuring stages share.

chi2_sf   the upper tail of the chi-square distribution (p-values of chi2 and G²)

``scipy.stats`` takes about a second and a half to import, which every
notebook kernel paid for one p-value function; ``scipy.special.chdtrc`` is
the function ``scipy.stats.chi2.sf`` itself calls, and imports in a fraction
of that.
"""

from __future__ import annotations

import numpy as np


def chi2_sf(x, df) -> np.ndarray:
    """``scipy.stats.chi2.sf(x, df)``: the probability of a chi-square value above *x* with *df* degrees of freedom.

    The same values as scipy.stats (a test compares them), 1.0 below zero,
    NaN for NaN.
    """
    from scipy.special import chdtrc

    x = np.asarray(x, dtype="float64")
    with np.errstate(invalid="ignore"):
        return np.where(x < 0, 1.0, chdtrc(df, x))
