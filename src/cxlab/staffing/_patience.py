"""Mean caller patience from the contacts table, the input Erlang A needs.

With exponential patience, every contact that waited is exposed to hanging up for as long as it
waited: an abandoned contact shows its patience, an answered one only that its patience was
longer than its wait (right-censored). The maximum-likelihood abandonment rate is then
``abandons / total seconds waited``, and the mean patience its inverse; the exact interval comes
from the Poisson count of abandons (the chi-square interval of a rate).

References
----------
Brown, L., Gans, N., Mandelbaum, A., Sakov, A., Shen, H., Zeltyn, S. & Zhao, L. (2005). Statistical
analysis of a telephone call center: a queueing-science perspective. *Journal of the American
Statistical Association* 100(469), 36-50 (patience as censored data, exponential fit).
Garnett, O., Mandelbaum, A. & Reiman, M. (2002). Designing a call center with impatient customers.
*Manufacturing & Service Operations Management* 4(3), 208-227.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError, SchemaError
from cxlab._options import Missing, check_option, renamed
from cxlab._present import _, fmt_interval, fmt_value, label
from cxlab._result import Result
from cxlab.features import INTERVAL_GRAINS, is_interval_report

REALTIME = ("phone", "chat")


def check_alpha(alpha: float) -> float:
    """``alpha`` is a share strictly between 0 and 1 (0.05 gives 95% intervals)."""
    ok = isinstance(alpha, int | float) and not isinstance(alpha, bool)
    if not ok or not math.isfinite(alpha) or not 0 < alpha < 1:
        raise OptionError(
            f"alpha={alpha!r} is not a significance level; use a share between 0 and 1, for "
            "example alpha=0.05 for 95% intervals."
        )
    return float(alpha)


def level_to_alpha(level: float) -> float:
    """An old confidence ``level`` (0.95) as ``alpha`` (0.05); a percent (95) is refused."""
    if isinstance(level, int | float) and not isinstance(level, bool) and 1 < level < 100:
        raise OptionError(
            f"level={level!r} looks like a percent; confidence is now alpha= (alpha=0.05 for "
            "95% intervals)."
        )
    return round(1 - level, 12) if isinstance(level, int | float) else level


def _covered(lf: pl.LazyFrame) -> str:
    """The arrival dates the contacts (or intervals) cover, in words for an error message."""
    names = lf.collect_schema().names()
    when = "interval_start" if is_interval_report(names) else "arrived_at"
    if when not in names:
        return "an unknown range (no arrived_at column)"
    lo, hi = lf.select(pl.col(when).min(), pl.col(when).max().alias("hi")).collect().row(0)
    return "no rows at all" if lo is None else f"{lo:%Y-%m-%d} to {hi:%Y-%m-%d}"


@dataclass(frozen=True)
class PatienceEstimate(Result):
    """Mean patience (seconds) per group: ``term, estimate, std_error, ci_low, ci_high`` and counts."""

    table: pl.DataFrame
    alpha: float = 0.05
    """The intervals are ``1 - alpha`` confidence intervals."""
    reason: str = ""
    """Why there is no estimate (``patience(..., missing="empty")`` on data without abandons)."""

    @property
    def _level(self) -> str:
        return fmt_value(1 - self.alpha, "share", decimals=0)

    @property
    def title(self) -> str:
        return _("Customer patience")

    def summary(self) -> pl.DataFrame:
        return self.table

    def as_dict(self) -> dict[str, float]:
        """``{group: mean patience seconds}``, ready for ``patience_seconds=`` of a plan."""
        return dict(
            zip(self.table["term"].to_list(), self.table["estimate"].to_list(), strict=True)
        )

    def plot(self):
        import plotly.graph_objects as go

        t = self.table
        fig = go.Figure(
            go.Scatter(
                x=t["estimate"].to_list(),
                y=[label(v) for v in t["term"].to_list()],
                mode="markers",
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=(t["ci_high"] - t["estimate"]).to_list(),
                    arrayminus=(t["estimate"] - t["ci_low"]).to_list(),
                ),
                hovertemplate="%{y}: %{x:.0f}<extra></extra>",
            )
        )
        fig.update_layout(
            title=_("Mean wait before giving up, seconds ({level} range)").format(
                level=self._level
            ),
            xaxis_title=_("Seconds"),
        )
        return fig

    def findings(self) -> list[str]:
        if self.table.is_empty():
            return [self.reason] if self.reason else []
        phone = _(
            "{queue}: callers wait {mean} on average before hanging up ({level} range "
            "{range}, from {n} abandons)."
        )
        chat = _(
            "{queue}: customers wait {mean} on average before leaving the chat ({level} range "
            "{range}, from {n} abandons)."
        )
        return [
            (chat if str(r["term"]).startswith("chat") else phone).format(
                queue=label(r["term"]),
                mean=fmt_value(r["estimate"], "seconds"),
                level=self._level,
                range=fmt_interval(r["ci_low"], r["ci_high"], "seconds", change=False),
                n=fmt_value(r["abandoned"], "count"),
            )
            for r in self.table.iter_rows(named=True)
        ]


WAIT_TOTALS = ("answered_wait_seconds_total", "abandoned_wait_seconds_total")


def _interval_exposure(lf: pl.LazyFrame, by: str) -> pl.DataFrame:
    """Abandons and seconds waited per group from an interval report (rows that know both)."""
    if by not in INTERVAL_GRAINS:
        raise OptionError(
            f"patience(by={by!r}): an interval report can be grouped by "
            f"{' or '.join(INTERVAL_GRAINS)} only."
        )
    if not {"abandoned", *WAIT_TOTALS} <= set(lf.collect_schema().names()):
        return pl.DataFrame(
            schema={"term": pl.Utf8, "abandoned": pl.Int64, "exposure_seconds": pl.Float64,
                    "contacts": pl.UInt32}
        )  # fmt: skip
    known = pl.all_horizontal(pl.col(c).is_not_null() for c in ("abandoned", *WAIT_TOTALS))
    return (
        lf.filter(pl.col("channel").is_in(REALTIME) & known)
        .group_by(pl.col(by).cast(pl.Utf8).alias("term"))
        .agg(
            pl.col("abandoned").sum().cast(pl.Int64).alias("abandoned"),
            pl.sum_horizontal(*WAIT_TOTALS).sum().alias("exposure_seconds"),
            pl.col("offered").sum().cast(pl.UInt32).alias("contacts"),
        )
        .sort("term")
        .collect()
    )


def _chi2_ppf(q: float, df: Any) -> Any:
    """The chi-square quantile ``q`` with ``df`` degrees of freedom, as ``scipy.stats.chi2.ppf``
    computes it for ``0 < q < 1`` and ``df > 0`` (twice the inverse regularised lower incomplete
    gamma), without importing ``scipy.stats``."""
    from scipy.special import gammaincinv

    return 2 * gammaincinv(df / 2, q)


@renamed(level=("alpha", lambda v: level_to_alpha(v)))
def patience(
    contacts: pl.DataFrame | pl.LazyFrame,
    *,
    by: str = "queue",
    alpha: float = 0.05,
    missing: Missing = "raise",
) -> PatienceEstimate:
    """Estimate mean caller patience per group from waits and abandons (phone and chat).

    Parameters
    ----------
    contacts : polars.DataFrame or LazyFrame
        The contacts table (``channel``, ``abandoned``, ``wait_seconds`` and the ``by`` column),
        or the ``intervals`` table: the same estimate from its sums (abandons, and the waits of
        answered and abandoned contacts), over the intervals that report all three.
    by : str, default "queue"
        The grouping column.
    alpha : float, default 0.05
        The intervals are ``1 - alpha`` confidence intervals (was ``level=0.95``).
    missing : {"raise", "empty"}, default "raise"
        Data with no abandoned phone or chat contact (or an interval report without abandons and
        waits): ``"raise"`` a :class:`NotEnoughDataError`, or ``"empty"``: an estimate with no
        rows whose findings say so in the reader's words (agents then come from Erlang C).

    Returns
    -------
    PatienceEstimate

    References
    ----------
    Brown et al. (2005); Garnett, Mandelbaum & Reiman (2002).
    """
    lf = contacts.lazy() if isinstance(contacts, pl.DataFrame) else contacts
    cols = lf.collect_schema().names()
    check_alpha(alpha)
    check_option("missing", missing, Missing)
    if is_interval_report(cols):
        agg = _interval_exposure(lf, by)
    else:
        need = {"channel", "abandoned", "wait_seconds", by}
        if not need <= set(cols):
            raise SchemaError(
                f"patience(by={by!r}) needs the contacts columns {sorted(need)}; missing "
                f"{sorted(need - set(cols))}."
            )
        agg = (
            lf.filter(pl.col("channel").is_in(REALTIME))
            .group_by(pl.col(by).cast(pl.Utf8).alias("term"))
            .agg(
                pl.col("abandoned").sum().cast(pl.Int64).alias("abandoned"),
                pl.col("wait_seconds").sum().alias("exposure_seconds"),
                pl.len().alias("contacts"),
            )
            .sort("term")
            .collect()
        )
    agg = agg.filter(pl.col("abandoned") > 0)
    if agg.height == 0 and missing == "empty":
        reason = (
            _(
                "The interval report gives no abandons with waiting times, so customer patience "
                "was not estimated: agents are computed with Erlang C, as if nobody hung up."
            )
            if is_interval_report(cols)
            else _(
                "No phone or chat contact was abandoned in the data, so customer patience was not "
                "estimated: agents are computed with Erlang C, as if nobody hung up."
            )
        )
        return PatienceEstimate(table=agg.clear(), alpha=alpha, reason=reason)
    if agg.height == 0:
        raise NotEnoughDataError(
            "patience(): no abandoned phone or chat contacts, so patience cannot be estimated; "
            f"the {'intervals' if is_interval_report(cols) else 'contacts'} given cover "
            f"{_covered(lf)}."
        )
    d = agg["abandoned"].to_numpy().astype(float)
    exposure = agg["exposure_seconds"].to_numpy()
    rate_lo = _chi2_ppf(alpha / 2, 2 * d) / (2 * exposure)
    rate_hi = _chi2_ppf(1 - alpha / 2, 2 * d + 2) / (2 * exposure)
    est = exposure / d
    table = agg.with_columns(
        pl.Series("estimate", est),
        pl.Series("std_error", est / d**0.5),
        pl.Series("ci_low", 1.0 / rate_hi),
        pl.Series("ci_high", 1.0 / rate_lo),
    ).select(
        "term",
        "estimate",
        "std_error",
        "ci_low",
        "ci_high",
        "abandoned",
        "contacts",
        "exposure_seconds",
    )
    return PatienceEstimate(table=table, alpha=alpha)
