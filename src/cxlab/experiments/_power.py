"""Power before a test: the smallest effect a test of a given length can detect at current volume.

For each candidate length (1, 2, ... weeks) the latest weeks of history are reduced to per-unit
sums, exactly as the test will be analysed (ratio metric, delta method, unit of randomisation),
so the variance reflects repeat contacts and clustering by unit. The minimum detectable effect is
``(z_{1-alpha/2} + z_{power}) * sqrt(var * (1/(n p) + 1/(n (1-p))))``.

References
----------
Kohavi, Tang & Xu (2020), Trustworthy Online Controlled Experiments, ch. 17 (sample size, power).
Deng, Knoblich & Lu (2018), Applying the delta method in metric analytics, KDD.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError
from cxlab._result import Result
from cxlab.experiments._format import fmt_effect, fmt_level, metric_info
from cxlab.experiments._moments import Moments
from cxlab.experiments._units import UNIT_COLUMN, Unit
from cxlab.features import metrics as _dictionary
from cxlab.features import prepare


@dataclass(frozen=True)
class PowerResult(Result):
    """Minimum detectable effect by test length, and the weeks needed for a target effect."""

    metric: str
    unit: str
    table: pl.DataFrame
    alpha: float
    power: float
    target_mde: float | None

    @property
    def title(self) -> str:
        return f"Power: {self.metric} by test length"

    @property
    def weeks_needed(self) -> int | None:
        """Fewest weeks whose MDE is at most the target (``None``: more than the weeks studied)."""
        if self.target_mde is None:
            return None
        ok = self.table.filter(pl.col("mde") <= abs(self.target_mde))
        return int(ok["weeks"][0]) if ok.height else None

    def summary(self) -> pl.DataFrame:
        return self.table

    def findings(self) -> list[str]:
        label, unit, _ = metric_info(self.metric)
        first, last = self.table.row(0, named=True), self.table.row(-1, named=True)
        out = [
            f"At current volume, {label} is {fmt_level(last['baseline'], unit)}; a {first['weeks']}-week "
            f"test of {first['units']:,} {self.unit}s detects {fmt_effect(first['mde'], unit)} "
            f"({first['mde_relative']:.1%} relative) with {self.power:.0%} power at {self.alpha:.0%} "
            f"significance, a {last['weeks']}-week test {fmt_effect(last['mde'], unit)}."
        ]
        if self.target_mde is not None:
            w = self.weeks_needed
            target = fmt_effect(abs(self.target_mde), unit)
            out.append(
                f"To detect {target}, run the test for {w} weeks."
                if w
                else f"Even {last['weeks']} weeks are not enough to detect {target} at current volume."
            )
        return out

    def plot(self):
        import plotly.graph_objects as go

        fig = go.Figure(
            go.Scatter(
                x=self.table["weeks"].to_list(), y=self.table["mde"].to_list(), mode="lines+markers"
            )
        )
        if self.target_mde is not None:
            fig.add_hline(y=abs(self.target_mde), line_dash="dot", annotation_text="target")
        fig.update_layout(
            title=self.title, xaxis_title="weeks", yaxis_title="minimum detectable effect"
        )
        return fig


def power(
    contacts: pl.LazyFrame | pl.DataFrame,
    *,
    metric: str,
    unit: Unit = "customer",
    max_weeks: int = 8,
    end: dt.datetime | None = None,
    target_mde: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    treated_share: float = 0.5,
) -> PowerResult:
    """Minimum detectable effect of a test lasting 1..``max_weeks`` weeks, from the latest history.

    Parameters
    ----------
    contacts
        The contacts table (lazy).
    metric
        A KPI of the metric dictionary.
    end
        End of the history used (the newest contact when ``None``).
    target_mde
        An absolute effect to detect, in the metric's units; the result says how many weeks it needs.

    Examples
    --------
    >>> import cxlab as cx  # doctest: +SKIP
    >>> cx.experiments.power(cx.load("contacts"), metric="fcr_reported", target_mde=0.02)  # doctest: +SKIP
    """
    from scipy import stats

    key = UNIT_COLUMN[unit]
    m = _dictionary()[metric]
    lf = prepare(contacts.lazy()).filter(pl.col(key).is_not_null())
    if end is None:
        end = lf.select(pl.col("arrived_at").max()).collect().item()
    week = pl.lit(end) - pl.col("arrived_at")
    lf = lf.filter(pl.col("arrived_at") >= end - dt.timedelta(weeks=max_weeks)).with_columns(
        (week.dt.total_seconds() // (7 * 86400)).cast(pl.Int32).alias("_ago")
    )
    per = (
        lf.group_by(pl.col(key).alias("unit_id"), "_ago")
        .agg(m.numerator.sum().alias("y"), m.denominator.sum().alias("d"))
        .collect()
    )
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    rows = []
    for k in range(1, max_weeks + 1):
        units = (
            per.filter(pl.col("_ago") < k)
            .group_by("unit_id")
            .agg(pl.col("y").sum(), pl.col("d").sum())
        )
        if units.height < 4:
            continue
        mom = Moments.from_row(units.select(Moments.exprs("y", "d")).row(0, named=True))
        g, _ = mom.gradients()
        var = float(g @ mom.cov @ g)
        n = mom.n
        mde = z * np.sqrt(var * (1 / (n * treated_share) + 1 / (n * (1 - treated_share))))
        rows.append(
            dict(
                weeks=k,
                units=n,
                baseline=mom.ratio,
                std_dev=np.sqrt(var),
                mde=mde,
                mde_relative=mde / mom.ratio,
            )
        )
    if not rows:
        raise NotEnoughDataError(
            f"power for {metric}: no units with contacts in the last {max_weeks} weeks."
        )
    return PowerResult(metric, unit, pl.DataFrame(rows), alpha, power, target_mde)
