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

from dataclasses import dataclass

import polars as pl

from cxlab._errors import NotEnoughDataError, SchemaError
from cxlab._present import _, fmt_interval, fmt_value, label
from cxlab._result import Result

REALTIME = ("phone", "chat")


@dataclass(frozen=True)
class PatienceEstimate(Result):
    """Mean patience (seconds) per group: ``term, estimate, std_error, ci_low, ci_high`` and counts."""

    table: pl.DataFrame
    level: float

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
                level=fmt_value(self.level, "share", decimals=0)
            ),
            xaxis_title=_("Seconds"),
        )
        return fig

    def findings(self) -> list[str]:
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
                level=fmt_value(self.level, "share", decimals=0),
                range=fmt_interval(r["ci_low"], r["ci_high"], "seconds", change=False),
                n=fmt_value(r["abandoned"], "count"),
            )
            for r in self.table.iter_rows(named=True)
        ]


def patience(
    contacts: pl.DataFrame | pl.LazyFrame, *, by: str = "queue", level: float = 0.95
) -> PatienceEstimate:
    """Estimate mean caller patience per group from waits and abandons (phone and chat).

    Parameters
    ----------
    contacts : polars.DataFrame or LazyFrame
        The contacts table (``channel``, ``abandoned``, ``wait_seconds`` and the ``by`` column).
    by : str, default "queue"
        The grouping column.
    level : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    PatienceEstimate

    References
    ----------
    Brown et al. (2005); Garnett, Mandelbaum & Reiman (2002).
    """
    from scipy import stats

    lf = contacts.lazy() if isinstance(contacts, pl.DataFrame) else contacts
    cols = lf.collect_schema().names()
    need = {"channel", "abandoned", "wait_seconds", by}
    if not need <= set(cols):
        raise SchemaError(f"patience() needs the contacts columns {sorted(need)}.")
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
    if agg.height == 0:
        raise NotEnoughDataError(
            "no abandoned phone or chat contacts: patience cannot be estimated."
        )
    d = agg["abandoned"].to_numpy().astype(float)
    exposure = agg["exposure_seconds"].to_numpy()
    alpha = 1.0 - level
    rate_lo = stats.chi2.ppf(alpha / 2, 2 * d) / (2 * exposure)
    rate_hi = stats.chi2.ppf(1 - alpha / 2, 2 * d + 2) / (2 * exposure)
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
    return PatienceEstimate(table=table, level=level)
