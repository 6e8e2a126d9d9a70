"""Small statistical helpers shared by several rooms (so that no room imports another)."""

from __future__ import annotations

from typing import Literal

import numpy as np

from cxlab._options import check_option

Correction = Literal["holm", "bh", "none"]


def adjust_p(p_values, method: Correction = "holm") -> np.ndarray:
    """Adjusted p-values for many comparisons: Holm's step-down (family-wise error) or
    Benjamini-Hochberg's step-up (false discovery rate). NaN stays NaN.

    Examples
    --------
    >>> adjust_p([0.01, 0.04, 0.03], "holm").round(3).tolist()
    [0.03, 0.06, 0.06]
    >>> adjust_p([0.01, 0.04, 0.03], "bh").round(3).tolist()
    [0.03, 0.04, 0.04]

    References
    ----------
    Holm (1979), A simple sequentially rejective multiple test procedure, Scand. J. Statist. 6.
    Benjamini & Hochberg (1995), Controlling the false discovery rate, JRSS B 57.
    """
    check_option("correction", method, Correction)
    p = np.asarray(p_values, float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = len(q)
    if m == 0 or method == "none":
        out[ok] = q
        return out
    order = np.argsort(q)
    ranked = q[order]
    if method == "holm":
        adj = np.maximum.accumulate((m - np.arange(m)) * ranked)
    else:
        adj = np.minimum.accumulate(m / np.arange(m, 0, -1) * ranked[::-1])[::-1]
    res = np.empty(m)
    res[order] = np.minimum(adj, 1.0)
    out[ok] = res
    return out
