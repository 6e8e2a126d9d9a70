"""Corrections for several arms and several metrics: Holm (family-wise) and Benjamini-Hochberg (FDR).

References
----------
Holm (1979), A simple sequentially rejective multiple test procedure, Scand. J. Statist. 6.
Benjamini & Hochberg (1995), Controlling the false discovery rate, JRSS B 57.
"""

from __future__ import annotations

import numpy as np

from cxlab._options import check_option, renamed
from cxlab._present import N_
from cxlab._stats import Correction, adjust_p

DESCRIPTION = {
    "holm": N_(
        "Holm's correction keeps the chance of any false win across the {k} primary "
        "comparisons at {a}"
    ),
    "bh": N_(
        "the Benjamini-Hochberg correction keeps the expected share of false wins among the {k} "
        "primary comparisons at {a}"
    ),
    "none": N_("no correction for the {k} primary comparisons (each is read on its own at {a})"),
}


@renamed(method="correction")
def adjust(p_values, *, correction: Correction = "holm") -> np.ndarray:
    """Adjusted p-values (NaN stays NaN); see :func:`cxlab._stats.adjust_p`.

    Parameters
    ----------
    p_values
        The p-values of the comparisons read together.
    correction
        ``"holm"`` (family-wise error), ``"bh"`` (false discovery rate) or ``"none"``; the old
        keyword ``method=`` still works for one minor version, with a ``DeprecationWarning``.

    Examples
    --------
    >>> adjust([0.01, 0.04, 0.03], correction="holm").round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    check_option("correction", correction, Correction)
    return adjust_p(p_values, correction)
