"""The numerical core of synthetic difference in differences, as the R ``synthdid`` package does it.

A panel matrix ``y`` has the ``n0`` control units in its first rows and the treated units after
them, the ``t0`` periods before the start in its first columns. Unit weights ``omega`` (on the
controls) and time weights ``lam`` (on the pre-period) are fitted by a Frank-Wolfe solver with an
exact line search (``sc.weight.fw``), stopped when an iteration lowers the penalised fit by less
than ``min_decrease**2``, in two passes: at most 100 iterations, then, from the weights with
every weight at or below a quarter of the largest set to zero, up to ``max_iter`` more. The
estimate is ``(-omega, 1/n1) @ y @ (-lam, 1/t1)``. Synthetic control, the de-meaned synthetic
control and difference in differences are the same estimator with other weights, as in the
package (``sc_estimate``, ``did_estimate`` and the paper's ``difp``).

References
----------
Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021), Synthetic difference-in-differences,
American Economic Review 111(12), Algorithms 1, 3 and 4.
Hirshberg, synthdid: R package, github.com/synth-inference/synthdid (R/solver.R, R/synthdid.R,
R/vcov.R).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

Estimator = Literal["sdid", "sc", "did", "difp"]


@dataclass(frozen=True)
class Fit:
    """One fitted estimate: the estimate, the weights and the options a re-fit reuses."""

    estimate: float
    omega: np.ndarray  # weights on the n0 controls
    lam: np.ndarray  # weights on the t0 pre-period columns
    n0: int
    t0: int
    zeta_omega: float
    zeta_lambda: float
    omega_intercept: bool
    update_omega: bool
    update_lambda: bool
    min_decrease: float
    max_iter: int
    noise_level: float


def sc_weight_fw(
    y: np.ndarray,
    zeta: float | np.ndarray,
    *,
    intercept: bool = True,
    start: np.ndarray | None = None,
    min_decrease: float = 1e-3,
    max_iter: int = 1000,
) -> np.ndarray:
    """Weights on the first columns of ``y`` that reproduce its last column (``sc.weight.fw``).

    Frank-Wolfe on ``||a x - b||^2 + eta ||x||^2`` over the simplex with an exact line search
    (``fw.step``), ``eta = rows * zeta^2``; it stops after ``max_iter`` steps or when a step lowers
    ``zeta^2 ||x||^2 + ||a x - b||^2 / rows`` by less than ``min_decrease^2``. ``y`` may hold a
    stack of problems (``batch x rows x columns``), each solved as if alone: the products with
    ``a`` are kept up to date through its Gram matrix, one column per step.
    """
    if y.ndim == 2:
        return _fw_one(y, float(zeta), intercept, start, min_decrease, max_iter)
    if y.shape[0] == 1:
        one = None if start is None else np.asarray(start, dtype=float).reshape(-1)
        return _fw_one(y[0], float(np.ravel(zeta)[0]), intercept, one, min_decrease, max_iter)[None]
    nb, n0, t0 = y.shape[0], y.shape[1], y.shape[2] - 1
    x = np.full((nb, t0), 1 / t0) if start is None else np.array(start, dtype=float).reshape(nb, t0)
    if intercept:
        y = y - y.mean(axis=1, keepdims=True)
    a, b = y[:, :, :t0], y[:, :, t0]
    z2 = np.broadcast_to(np.asarray(zeta, dtype=float) ** 2, (nb,))
    eta = n0 * z2
    gram = np.einsum("bri,brj->bij", a, a)
    c = np.einsum("bri,br->bi", a, b)
    bb = np.einsum("br,br->b", b, b)
    gx = np.einsum("bij,bj->bi", gram, x)
    xgx, cx, xx = (x * gx).sum(1), (c * x).sum(1), (x * x).sum(1)
    rows = np.arange(nb)
    diag = gram[:, np.arange(t0), np.arange(t0)]
    previous = np.full(nb, np.inf)
    current = np.full(nb, np.inf)
    active = np.ones(nb, dtype=bool)
    for done in range(max_iter):
        if done >= 2:
            active &= previous - current > min_decrease**2
            if active.sum() <= 2:
                # the last few problems go on one by one, where a step costs less
                for k in np.flatnonzero(active):
                    state = (done, float(previous[k]), float(current[k]))
                    x[k] = _fw_one(
                        y[k], float(z2[k]) ** 0.5, False, x[k], min_decrease, max_iter, state
                    )
                break
        half_grad = gx - c + eta[:, None] * x
        i = half_grad.argmin(axis=1)
        xi, gxi, gii = x[rows, i], gx[rows, i], diag[rows, i]
        # direction e_i - x: slope and curvature of the objective along it (nil at a vertex)
        slope = half_grad[rows, i] - (half_grad * x).sum(1)
        curve = gii - 2 * gxi + xgx + eta * (xx - 2 * xi + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.clip(-slope / curve, 0.0, 1.0)
        s = np.where(active & (xi < 1), s, 0.0)
        x *= (1 - s)[:, None]
        x[rows, i] += s
        gx *= (1 - s)[:, None]
        gx += s[:, None] * gram[rows, i]
        xgx = (1 - s) ** 2 * xgx + 2 * s * (1 - s) * gxi + s * s * gii
        cx = (1 - s) * cx + s * c[rows, i]
        xx = (1 - s) ** 2 * xx + 2 * s * (1 - s) * xi + s * s
        value = z2 * xx + (xgx - 2 * cx + bb) / n0
        previous = np.where(active, current, previous)
        current = np.where(active, value, current)
    return x


def _fw_one(y, zeta, intercept, start, min_decrease, max_iter, state=None) -> np.ndarray:
    """:func:`sc_weight_fw` for one problem, with Python scalars where the stack has arrays.

    ``state`` (steps done, the previous and the current objective) continues a problem the
    stack started.
    """
    t0 = y.shape[1] - 1
    n0 = y.shape[0]
    x = np.full(t0, 1 / t0) if start is None else np.array(start, dtype=float)
    if intercept:
        y = y - y.mean(axis=0)
    a, b = y[:, :t0], y[:, t0]
    eta = n0 * zeta**2
    gram, c, bb = a.T @ a, a.T @ b, float(b @ b)
    diag, cl = gram.diagonal().tolist(), c.tolist()
    gx = gram @ x
    xgx, cx, xx = float(x @ gx), float(c @ x), float(x @ x)
    done, previous, current = state or (0, float("inf"), float("inf"))
    while done < max_iter and (done < 2 or previous - current > min_decrease**2):
        half_grad = gx - c + eta * x
        i = int(half_grad.argmin())
        xi, gxi = float(x[i]), float(gx[i])
        if xi < 1:
            slope = float(half_grad[i]) - float(half_grad @ x)
            curve = diag[i] - 2 * gxi + xgx + eta * (xx - 2 * xi + 1)
            s = min(1.0, max(0.0, -slope / curve))
            x *= 1 - s
            x[i] += s
            gx *= 1 - s
            gx += s * gram[i]
            xgx = (1 - s) ** 2 * xgx + 2 * s * (1 - s) * gxi + s * s * diag[i]
            cx = (1 - s) * cx + s * cl[i]
            xx = (1 - s) ** 2 * xx + 2 * s * (1 - s) * xi + s * s
        previous, current = current, zeta**2 * xx + (xgx - 2 * cx + bb) / n0
        done += 1
    return x


def sparsify(v: np.ndarray) -> np.ndarray:
    """Weights at or below a quarter of the largest set to zero, the rest rescaled to sum to one."""
    v = np.where(v <= v.max(axis=-1, keepdims=True) / 4, 0.0, v)
    return v / v.sum(axis=-1, keepdims=True)


def sum_normalize(x: np.ndarray) -> np.ndarray:
    """``x`` rescaled to sum to one, or uniform weights when it sums to zero."""
    s = x.sum()
    return x / s if s != 0 else np.full(len(x), 1 / len(x))


def collapsed(y: np.ndarray, n0: int, t0: int) -> np.ndarray:
    """``(n0 + 1) x (t0 + 1)``: treated rows and post columns averaged (``collapsed.form``).

    ``y`` may be a stack of panels (``batch x units x periods``).
    """
    top = np.concatenate([y[..., :n0, :t0], y[..., :n0, t0:].mean(-1, keepdims=True)], axis=-1)
    bottom = np.concatenate(
        [y[..., n0:, :t0].mean(-2), y[..., n0:, t0:].mean((-2, -1))[..., None]], axis=-1
    )
    return np.concatenate([top, bottom[..., None, :]], axis=-2)


def noise_level(y: np.ndarray, n0: int, t0: int) -> float:
    """Standard deviation of the controls' period-to-period changes before the start."""
    return float(np.std(np.diff(y[:n0, :t0], axis=1), ddof=1))


def _weights(ys, n0, t0, zeta, intercept, start, min_decrease, max_iter, columns: bool):
    yc = collapsed(ys, n0, t0)
    m = yc[:, :n0, :] if columns else yc[:, :, :t0].transpose(0, 2, 1)
    kw = dict(intercept=intercept, min_decrease=min_decrease)
    first = sc_weight_fw(m, zeta, start=start, max_iter=100, **kw)
    return sc_weight_fw(m, zeta, start=sparsify(first), max_iter=max_iter, **kw)


def refit_many(
    fit: Fit, ys: np.ndarray, n0: int, omega: np.ndarray | None, lam: np.ndarray
) -> np.ndarray:
    """The estimator of ``fit`` on a stack of panels, weights started (or fixed) at the ones given.

    ``ys`` is ``batch x units x periods`` with ``n0`` controls first; ``omega`` and ``lam`` hold
    one row of starting weights per panel (``omega`` may be ``None``: uniform). Returns the
    estimates, the unit weights and the time weights, one row per panel.
    """
    nb, t0 = ys.shape[0], fit.t0
    lam = np.broadcast_to(lam, (nb, t0)).copy()
    omega = np.full((nb, n0), 1 / n0) if omega is None else np.broadcast_to(omega, (nb, n0)).copy()
    common = (fit.min_decrease, fit.max_iter)
    if fit.update_lambda:
        lam = _weights(ys, n0, t0, fit.zeta_lambda, True, lam, *common, columns=True)
    if fit.update_omega:
        omega = _weights(
            ys, n0, t0, fit.zeta_omega, fit.omega_intercept, omega, *common, columns=False
        )
    n1, t1 = ys.shape[1] - n0, ys.shape[2] - t0
    row = np.concatenate([-omega, np.full((nb, n1), 1 / n1)], axis=1)
    col = np.concatenate([-lam, np.full((nb, t1), 1 / t1)], axis=1)
    return np.einsum("bi,bit,bt->b", row, ys, col), omega, lam


def refit(fit: Fit, y: np.ndarray, n0: int, omega: np.ndarray | None, lam: np.ndarray) -> Fit:
    """The estimator of ``fit`` on another panel, its weights started (or fixed) at the ones given."""
    est, omega, lam = refit_many(fit, y[None], n0, omega, lam)
    return replace(fit, estimate=float(est[0]), omega=omega[0], lam=lam[0], n0=n0)


def estimate(y: np.ndarray, n0: int, t0: int, estimator: Estimator = "sdid") -> Fit:
    """Fit one of the four estimators of the paper's Table 1 on ``y`` (controls first, pre first).

    ``"sdid"`` regularises the unit weights with ``zeta = (n1 t1)^(1/4) sigma``, ``sigma`` the
    standard deviation of the controls' first differences before the start; ``"sc"`` has no
    intercept and no time weights (``sc_estimate``); ``"difp"`` is the de-meaned synthetic
    control (uniform time weights); ``"did"`` weighs every control and pre-period alike.
    """
    n1, t1 = y.shape[0] - n0, y.shape[1] - t0
    sigma = noise_level(y, n0, t0)
    eta_omega = (n1 * t1) ** 0.25 if estimator == "sdid" else 1e-6
    fit = Fit(
        estimate=float("nan"),
        omega=np.full(n0, 1 / n0),
        lam=np.zeros(t0) if estimator == "sc" else np.full(t0, 1 / t0),
        n0=n0,
        t0=t0,
        zeta_omega=eta_omega * sigma,
        zeta_lambda=1e-6 * sigma,
        omega_intercept=estimator != "sc",
        update_omega=estimator != "did",
        update_lambda=estimator == "sdid",
        min_decrease=1e-5 * sigma,
        max_iter=10_000,
        noise_level=sigma,
    )
    return refit(fit, y, n0, None if fit.update_omega else fit.omega, fit.lam)


def placebo_effects(fit: Fit, y: np.ndarray) -> np.ndarray:
    """With one treated unit: the estimate with each control posing as the treated unit.

    Each placebo panel drops the treated unit and puts one control last; the weights start at the
    fit's (the unit weights without that control, rescaled), as in ``placebo_se``.
    """
    n0 = fit.n0
    ind = np.array([[k for k in range(n0) if k != j] + [j] for j in range(n0)])
    starts = np.array([sum_normalize(fit.omega[r[:-1]]) for r in ind])
    return refit_many(fit, y[ind], n0 - 1, starts, fit.lam)[0]


def placebo_se(
    fit: Fit,
    y: np.ndarray,
    *,
    replications: int = 200,
    seed: int = 0,
    effects: np.ndarray | None = None,
) -> float:
    """Placebo standard error (Algorithm 4): controls reshuffled, the last ``n1`` posing as treated.

    ``sqrt((B - 1) / B)`` times the standard deviation of ``B = replications`` placebo
    estimates. With one treated unit a draw depends only on which control comes last, so the
    draws are taken from :func:`placebo_effects` (one fit per control instead of one per draw;
    ``effects`` passes them when already computed).
    NaN when there are no more controls than treated units.
    """
    n0 = fit.n0
    n1 = y.shape[0] - n0
    if n0 <= n1:
        return float("nan")
    rng = np.random.default_rng(seed)
    if n1 == 1:
        effects = placebo_effects(fit, y) if effects is None else effects
        draws = effects[rng.integers(n0, size=replications)]
    else:
        m = n0 - n1
        ind = np.array([rng.permutation(n0) for _ in range(replications)])
        starts = np.array([sum_normalize(fit.omega[r[:m]]) for r in ind])
        draws = refit_many(fit, y[ind], m, starts, fit.lam)[0]
    return float(np.sqrt((replications - 1) / replications) * draws.std(ddof=1))


def jackknife_se(fit: Fit, y: np.ndarray) -> float:
    """Fixed-weights jackknife standard error (Algorithm 3); NaN with one treated unit or one donor."""
    n0 = fit.n0
    n = y.shape[0]
    if n - n0 < 2 or np.count_nonzero(fit.omega) == 1:
        return float("nan")
    fixed = replace(fit, update_omega=False, update_lambda=False)
    u = np.empty(n)
    for i in range(n):
        keep = np.delete(np.arange(n), i)
        controls = keep[keep < n0]
        omega = sum_normalize(fit.omega[controls])
        u[i] = refit(fixed, y[keep], len(controls), omega, fit.lam).estimate
    return float(np.sqrt((n - 1) / n * (n - 1) * u.var(ddof=1)))


def effect_curve(fit: Fit, y: np.ndarray) -> np.ndarray:
    """The per-period effects after the start whose average is the estimate."""
    n1 = y.shape[0] - fit.n0
    tau = np.concatenate([-fit.omega, np.full(n1, 1 / n1)]) @ y
    return tau[fit.t0 :] - tau[: fit.t0] @ fit.lam
