"""A fast simulation of the generator's data-generating process for the randomised tests.

It mirrors ``cxlab/data/_synth/_world.py``: customers contact a Poisson number of times, each
answered contact is first-contact resolved with a probability made of a customer-level base
(``FCR_BASE`` about 0.75 with customer heterogeneity) plus the planted additive effect, and handle
times are lognormal(0, 0.5) around a median with a per-customer multiplier, multiplied by the planted
factor. It is vectorised so that thousands of replications run in seconds.
"""

from __future__ import annotations

import numpy as np

from cxlab.experiments import Moments


def customer_arms(
    rng: np.random.Generator,
    *,
    n_units: int = 4000,
    fcr_effect: float = 0.0,
    handle_factor: float = 1.0,
    mean_contacts: float = 1.8,
    cluster_sd: float = 0.0,
):
    """Per-unit sums ``(y_fcr, d_fcr, y_handle, d_handle, pre_y, pre_d, arm)`` for one replication.

    ``cluster_sd`` adds a unit-level shift to the FCR probability (an agent or team effect).
    """
    arm = rng.random(n_units) < 0.5
    k = 1 + rng.poisson(mean_contacts - 1, n_units)  # contacts per unit (at least one)
    base = np.clip(0.75 + rng.normal(0, 0.05 + cluster_sd, n_units), 0.3, 0.9)
    p = base + fcr_effect * arm
    y_fcr = rng.binomial(k, p)
    kp = rng.poisson(mean_contacts, n_units)  # pre-period contacts (CUPED covariate)
    pre_y = rng.binomial(kp, base)
    mult = rng.lognormal(0, 0.12, n_units)
    # sum of k lognormal(0, 0.5) draws per unit
    draws = rng.lognormal(0, 0.5, int(k.sum()))
    owner = np.repeat(np.arange(n_units), k)
    h = np.bincount(owner, weights=draws, minlength=n_units) * 480 * mult
    h = h * np.where(arm, handle_factor, 1.0)
    return (
        y_fcr.astype(float),
        k.astype(float),
        h,
        k.astype(float),
        pre_y.astype(float),
        kp.astype(float),
        arm,
    )


def moments_by_arm(y, d, arm, x=None, dx=None):
    sel = [~arm, arm]
    return [
        Moments.from_arrays(y[s], d[s], None if x is None else x[s], None if dx is None else dx[s])
        for s in sel
    ]
