"""The sample-ratio-mismatch check: are the arms the sizes the randomisation promised?

References
----------
Fabijan et al. (2019), Diagnosing sample ratio mismatch in online controlled experiments, KDD.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from cxlab._result import Result

SRM_THRESHOLD = 0.001  # the industry convention: a mismatch this unlikely is a broken assignment


@dataclass(frozen=True)
class SRMResult(Result):
    """Observed versus expected units per arm, with the chi-square test. ``passed`` is the verdict."""

    arms: tuple[str, ...]
    observed: tuple[int, ...]
    expected_share: tuple[float, ...]
    statistic: float
    p_value: float
    threshold: float = SRM_THRESHOLD

    @property
    def title(self) -> str:
        return "Sample ratio check"

    @property
    def passed(self) -> bool:
        return self.p_value >= self.threshold

    def summary(self) -> pl.DataFrame:
        total = sum(self.observed)
        return pl.DataFrame(
            {
                "arm": list(self.arms),
                "units": list(self.observed),
                "share": [o / total for o in self.observed],
                "expected_share": list(self.expected_share),
            }
        )

    def findings(self) -> list[str]:
        shares = ", ".join(
            f"{a} {o:,} ({o / sum(self.observed):.1%})"
            for a, o in zip(self.arms, self.observed, strict=True)
        )
        if self.passed:
            return [
                f"The arms have the sizes the randomisation promised ({shares}; chi-square p = {self.p_value:.3f})."
            ]
        return [
            f"Sample ratio mismatch: the arms are {shares}, which a fair randomisation would give with "
            f"probability p = {self.p_value:.1e}. Something broke the assignment or the logging; "
            "do not trust any effect below until it is explained."
        ]

    def plot(self):
        import plotly.graph_objects as go

        s = self.summary()
        fig = go.Figure(go.Bar(x=s["arm"].to_list(), y=s["share"].to_list(), name="observed"))
        fig.add_trace(
            go.Scatter(
                x=s["arm"].to_list(),
                y=s["expected_share"].to_list(),
                mode="markers",
                name="expected",
            )
        )
        fig.update_layout(title=self.title, yaxis_tickformat=".0%")
        return fig


def srm_check(
    counts: dict[str, int],
    *,
    expected: dict[str, float] | None = None,
    threshold: float = SRM_THRESHOLD,
) -> SRMResult:
    """Chi-square goodness-of-fit test of the units per arm against the planned split.

    Parameters
    ----------
    counts
        Units per arm, e.g. ``{"control": 5012, "treatment": 4988}``.
    expected
        The planned share per arm; an equal split when ``None``.
    threshold
        The p-value below which the check fails (0.001 by convention).

    Examples
    --------
    >>> srm_check({"control": 5000, "treatment": 5000}).passed
    True
    >>> srm_check({"control": 5300, "treatment": 4700}).passed
    False
    """
    from scipy import stats

    arms = tuple(sorted(counts))
    obs = np.array([counts[a] for a in arms], float)
    if expected is None:
        share = np.full(len(arms), 1 / len(arms))
    else:
        share = np.array([expected[a] for a in arms], float)
        share = share / share.sum()
    exp = share * obs.sum()
    stat = float(((obs - exp) ** 2 / exp).sum())
    p = float(stats.chi2.sf(stat, len(arms) - 1))
    return SRMResult(
        arms, tuple(int(o) for o in obs), tuple(float(s) for s in share), stat, p, threshold
    )
