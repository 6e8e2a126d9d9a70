"""The sample-ratio-mismatch check: are the arms the sizes the randomisation promised?

References
----------
Fabijan et al. (2019), Diagnosing sample ratio mismatch in online controlled experiments, KDD.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from cxlab._present import _, fmt_list, fmt_p, fmt_value, label
from cxlab._result import Result
from cxlab.experiments._text import check_status, share_text

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
        return _("Are the groups the sizes the random split promised?")

    @property
    def passed(self) -> bool:
        return self.p_value >= self.threshold

    @property
    def status(self) -> str:
        """ "passed", "borderline" (p below ten times the threshold) or "failed"."""
        return check_status(self.p_value, self.threshold, 10 * self.threshold)

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

    def _shares(self) -> str:
        total = sum(self.observed)
        return fmt_list(
            [
                _("{arm} {n} ({share})").format(
                    arm=label(a), n=fmt_value(o, "count"), share=share_text(o / total)
                )
                for a, o in zip(self.arms, self.observed, strict=True)
            ]
        )

    def findings(self) -> list[str]:
        """Plain words: did the random split give the groups the sizes it promised?"""
        shares = self._shares()
        if self.status == "passed":
            text = _("The groups have the sizes the random split promised ({shares}).")
        elif self.status == "borderline":
            text = _(
                "The groups are close to, but not quite, the sizes the random split promised "
                "({shares}): check the assignment before relying on the effect."
            )
        else:
            text = _(
                "The groups are not the sizes the random split promised ({shares}): something "
                "broke the assignment or the logging, and no effect can be trusted until it is "
                "explained."
            )
        return [text.format(shares=shares)]

    def details(self) -> list[str]:
        """The test behind the check (appendix)."""
        return [
            _(
                "Sample ratio mismatch test (chi-square goodness of fit): chi-square = {stat}, "
                "p = {p}; the check fails below p = {threshold}."
            ).format(
                stat=fmt_value(self.statistic, "ratio"),
                p=fmt_p(self.p_value, bare=True),
                threshold=fmt_value(self.threshold, "ratio", decimals=3),
            )
        ]

    def plot(self):
        import plotly.graph_objects as go

        s = self.summary()
        from cxlab.viz import color_for

        arms = [label(a) for a in s["arm"].to_list()]
        fig = go.Figure(
            go.Bar(
                x=arms,
                y=s["share"].to_list(),
                name=_("observed"),
                marker_color=[color_for(a) for a in s["arm"].to_list()],
            )
        )
        fig.add_trace(
            go.Scatter(x=arms, y=s["expected_share"].to_list(), mode="markers", name=_("expected"))
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
