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
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._options import check_alpha, check_option
from cxlab._present import CSS, _, fmt_change, fmt_value, ngettext, table_html
from cxlab._present import findings_html as _findings_html
from cxlab._result import Result
from cxlab.experiments._moments import Moments
from cxlab.experiments._text import (
    find,
    inline,
    metric_info,
    percent_text,
    ratio_metric,
    relative_text,
    size_text,
    units_header,
    units_word,
)
from cxlab.experiments._units import UNIT_COLUMN, Unit, aligned, data_range, moment
from cxlab.features import Metric, prepare


@dataclass(frozen=True)
class PowerResult(Result):
    """Minimum detectable effect by test length, and the weeks needed for a target effect."""

    metric: str
    unit: str
    table: pl.DataFrame
    alpha: float
    power: float
    target_mde: float | None
    measures: tuple[Metric, ...] = field(default=(), compare=False, repr=False)

    @property
    def title(self) -> str:
        return _("Planning a test of {metric}").format(
            metric=inline(metric_info(self.metric, self.measures)[0])
        )

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
        name, unit, _hib = metric_info(self.metric, self.measures)
        first, last = self.table.row(0, named=True), self.table.row(-1, named=True)
        out = [
            _(
                "{metric} is at {level} now. A test of {weeks_short} with {units} {unit} would "
                "reliably detect an effect of {mde_short} ({relative_short}) or more; a test of "
                "{weeks_long}, {mde_long}. Smaller effects could go unnoticed."
            ).format(
                metric=name,
                level=fmt_value(last["baseline"], unit),
                weeks_short=_weeks(first["weeks"]),
                units=fmt_value(first["units"], "count"),
                unit=units_word(self.unit),
                mde_short=size_text(first["mde"], unit),
                relative_short=relative_text(first["mde_relative"]).lstrip("+"),
                weeks_long=_weeks(last["weeks"]),
                mde_long=size_text(last["mde"], unit),
            )
        ]
        if self.target_mde is not None:
            w = self.weeks_needed
            target = fmt_change(abs(self.target_mde), unit).lstrip("+")
            out.append(
                _("To detect {target}, run the test for {weeks}.").format(
                    target=target, weeks=_weeks(w)
                )
                if w
                else _("Even {weeks} are not enough to detect {target} at current volume.").format(
                    weeks=_weeks(last["weeks"]), target=target
                )
            )
        return out

    def details(self) -> list[str]:
        return [
            _(
                "Minimum detectable effect at {power} power and {alpha} two-sided significance, "
                "from the variance of the ratio metric across {unit} (delta method) over the "
                "latest weeks of history, half of them in each group."
            ).format(
                power=percent_text(self.power),
                alpha=percent_text(self.alpha),
                unit=units_word(self.unit),
            )
        ]

    def view(self) -> pl.DataFrame:
        """The table a reader reads: weeks, units, smallest detectable effect (absolute, relative)."""
        _name, unit, _hib = metric_info(self.metric, self.measures)
        t = self.table
        return pl.DataFrame(
            {
                _("Test length (weeks)"): t["weeks"],
                units_header(self.unit): t["units"],
                _("Smallest effect it can detect"): [
                    fmt_change(v, unit).lstrip("+") for v in t["mde"]
                ],
                _("Relative to the current level"): [
                    relative_text(v).lstrip("+") for v in t["mde_relative"]
                ],
            }
        )

    def _repr_html_(self) -> str:
        return (
            f"{CSS}<div class='cx-result'>{_findings_html(self.findings())}"
            f"{table_html(self.view())}</div>"
        )

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.experiments._charts import effect_axis, layout, sized_title
        from cxlab.viz import color_for

        measure = find(self.metric, self.measures)
        factor, _axis = effect_axis(measure)
        fig = go.Figure(
            go.Scatter(
                x=self.table["weeks"].to_list(),
                y=(self.table["mde"] * factor).to_list(),
                mode="lines+markers",
                line=dict(color=color_for("treatment")),
                name=_("smallest detectable effect"),
            )
        )
        if self.target_mde is not None:
            fig.add_hline(
                y=abs(self.target_mde) * factor, line_dash="dot", annotation_text=_("target")
            )
        fig.update_layout(
            xaxis_title=_("Test length (weeks)"),
            yaxis_title=sized_title(measure, _("Smallest effect it can detect")),
            yaxis_rangemode="tozero",
            showlegend=False,
        )
        layout(fig, self.title)
        return fig


def _weeks(n: int) -> str:
    return ngettext("{n} week", "{n} weeks", n).format(n=n)


def power(
    contacts: pl.LazyFrame | pl.DataFrame,
    *,
    metric: str | Metric,
    unit: Unit = "customer",
    max_weeks: int = 8,
    end: dt.datetime | dt.date | str | None = None,
    target_mde: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    treated_share: float = 0.5,
    time_zone: str | None = None,
) -> PowerResult:
    """Minimum detectable effect of a test lasting 1..``max_weeks`` weeks, from the latest history.

    Parameters
    ----------
    contacts
        The contacts table (lazy).
    metric
        A KPI of the metric dictionary, or a metric declared with a ``numerator`` and
        ``denominator`` (:func:`cxlab.features.declare_metric`).
    end
        End of the history used (the newest contact when ``None``); a naive datetime, a date or
        an ISO text is read in ``time_zone`` (the workspace's when ``None``).
    target_mde
        An absolute effect to detect, in the metric's units; the result says how many weeks it needs.

    Examples
    --------
    >>> import cxlab as cx  # doctest: +SKIP
    >>> cx.experiments.power(cx.load("contacts"), metric="fcr_reported", target_mde=0.02)  # doctest: +SKIP
    """
    from scipy import stats

    check_option("unit", unit, Unit)
    alpha = check_alpha(alpha)
    power = check_alpha(power, name="power")  # a probability strictly between 0 and 1, as alpha
    treated_share = check_alpha(treated_share, name="treated_share")
    if unit == "team":
        raise OptionError(
            "unit='team' is not supported by power(); plan with unit='agent' or 'customer'."
        )
    key = UNIT_COLUMN[unit]
    m = ratio_metric(metric)
    metric = m.name
    raw = contacts.lazy()
    lf = prepare(raw).filter(pl.col(key).is_not_null())
    if end is None:
        end = lf.select(pl.col("arrived_at").max()).collect().item()
        if end is None:
            raise NotEnoughDataError(f"power for {metric}: {data_range(raw, time_zone)}.")
    else:
        end = aligned(moment(end, parameter="end", time_zone=time_zone), raw)
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
            f"power for {metric}: fewer than 4 units with contacts in the {max_weeks} weeks "
            f"before {end:%Y-%m-%d %H:%M}; {data_range(raw, time_zone)}."
        )
    return PowerResult(metric, unit, pl.DataFrame(rows), alpha, power, target_mde, (m,))
