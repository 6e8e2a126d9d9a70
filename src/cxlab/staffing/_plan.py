"""A staffing plan from a volume forecast: agents per queue and interval, with their uncertainty.

References
----------
Koole, G. (2013). *Call Center Optimization*. MG Books, chapter 5.
Garnett, O., Mandelbaum, A. & Reiman, M. (2002). Designing a call center with impatient customers.
*Manufacturing & Service Operations Management* 4(3), 208-227.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError, SchemaError
from cxlab._executor import check_executor, fan_out, is_local
from cxlab._options import renamed, warn_renamed
from cxlab._present import (
    EVERY_FORMS,
    N_,
    Headline,
    _,
    check_every,
    fmt_value,
    interval_words,
    label,
    ngettext,
)
from cxlab._result import Result, html_findings, html_table
from cxlab.staffing._erlang_a import erlang_a_from
from cxlab.staffing._required import _EPS, required_servers
from cxlab.staffing._settings import SETTINGS_FIELDS, QueueSettings
from cxlab.staffing._uncertainty import p_miss
from cxlab.staffing._util import (
    every_of,
    interval_minutes,
    local_ts,
    minutes_as_every,
    per_series,
    when,
    zone,
)
from cxlab.staffing._words import duration_words, family_color, queue_words
from cxlab.viz import closed_hours, date_ticks, fade, step_band, with_gaps

PLAN_TASKS = 16
"""A plan on an executor is cut into at most this many tasks of whole queues (a queue's agents
take milliseconds: one task each would cost more in shipping than it saves)."""
BANDS = (("lo_80", "y_lo_80"), ("hi_80", "y_hi_80"), ("lo_95", "y_lo_95"), ("hi_95", "y_hi_95"))
QUANTILE_COLUMNS = ("y_lo_95", "y_lo_80", "y_hat", "y_hi_80", "y_hi_95")
# the time slot of all queues together that needs the most agents: not always the slot with the
# most contacts, since queues peak at different times and need different agents per contact
MOST_AGENTS = {
    15: N_("Quarter-hour needing the most agents"),
    30: N_("Half-hour needing the most agents"),
    60: N_("Hour needing the most agents"),
}
# a chance in words, by tenths: "about a one-in-five chance" / "约两成"
CHANCE_WORDS = {
    1: N_("one in ten"),
    2: N_("one in five"),
    3: N_("three in ten"),
    4: N_("two in five"),
    5: N_("one in two"),
    6: N_("three in five"),
    7: N_("seven in ten"),
    8: N_("four in five"),
    9: N_("nine in ten"),
}


@dataclass(frozen=True)
class StaffingPlan(Result):
    """Agents needed per queue (``series_id``) and interval, at the forecast and its quantiles.

    ``table`` has one row per series_id x ts: the forecast volume and its bands, the agents needed
    on the phones at ``y_hat`` (``agents``) and at each quantile (``agents_lo_80`` ...
    ``agents_hi_95``), ``scheduled`` (agents after shrinkage), the ``headcount`` assessed, the
    service level expected at that headcount if ``y_hat`` arrives, and ``p_miss_sl``, the
    probability of missing the service-level target at that headcount under the forecast's
    distribution (see :mod:`cxlab.staffing._uncertainty` for how it is fitted).
    """

    table: pl.DataFrame
    interval_minutes: float
    sl_target: dict[str, float]
    sl_seconds: dict[str, float]
    shrinkage: float
    max_occupancy: float
    aht_seconds: dict[str, float]
    concurrency: dict[str, float]
    patience_seconds: dict[str, float] | None
    model: str | None = None
    time_zone: str | None = field(default=None, compare=False)
    skipped: tuple[str, ...] = ()
    """Forecast series left out because ``sl_target`` (a dict) has no target for them."""

    @property
    def title(self) -> str:
        return _("Staffing plan")

    @property
    def every(self) -> str:
        """The plan's grain, ``"15m"``, ``"30m"`` or ``"1h"``."""
        return every_of(self.interval_minutes)

    @property
    def settings(self) -> QueueSettings:
        """The settings the plan was made with, per series."""
        return QueueSettings(
            aht_seconds=self.aht_seconds,
            sl_target=self.sl_target,
            sl_seconds=self.sl_seconds,
            concurrency=self.concurrency,
            patience_seconds=self.patience_seconds,
            shrinkage=self.shrinkage,
            max_occupancy=self.max_occupancy,
        )

    def summary(self) -> pl.DataFrame:
        """One row per series_id and interval (the export's rows)."""
        return self.table

    @property
    def agent_hours(self) -> float:
        """Agent-hours on the phones over the whole plan (all series)."""
        return float(self.table["agents"].sum()) * self.interval_minutes / 60.0

    @property
    def scheduled_hours(self) -> float:
        """Agent-hours to schedule after shrinkage (all series)."""
        return float(self.table["scheduled"].sum()) * self.interval_minutes / 60.0

    @property
    def mean_p_miss(self) -> float | None:
        """Average probability of missing the target over open intervals (None without bands)."""
        risk = self.table.filter(pl.col("y_hat") > 0)["p_miss_sl"].drop_nulls()
        return float(risk.mean()) if risk.len() else None

    def totals(self) -> pl.DataFrame:
        """One row per series: peak agents (and when), agent-hours, scheduled hours, mean risk."""
        hours = self.interval_minutes / 60.0
        peaks = self.peaks().select(
            "series_id",
            (
                pl.col("ts").dt.convert_time_zone(zone(self.time_zone))
                if getattr(self.table.schema["ts"], "time_zone", None)
                else pl.col("ts")
            ).alias("peak_ts"),
            pl.col("agents").alias("peak_agents"),
            pl.col("agents_lo_80").alias("peak_agents_lo_80"),
            pl.col("agents_hi_80").alias("peak_agents_hi_80"),
        )
        sums = self.table.group_by("series_id").agg(
            (pl.col("agents").sum() * hours).alias("agent_hours"),
            (pl.col("scheduled").sum() * hours).alias("scheduled_hours"),
            pl.col("p_miss_sl").filter(pl.col("y_hat") > 0).mean().alias("mean_p_miss_sl"),
        )
        return peaks.join(sums, on="series_id").sort("peak_agents", descending=True)

    def _repr_html_(self) -> str:
        """Findings and the per-queue table (the interval rows are in ``summary()``)."""
        import html

        from cxlab._present import CSS

        return (
            f"{CSS}<div class='cx-result'><h4>{html.escape(self.title)}</h4>"
            f"{html_findings(self.findings())}"
            f"{html_table(self.by_queue(), caption=_('Per queue: the busiest interval and the week'))}</div>"
        )

    def by_queue(self) -> pl.DataFrame:
        """Per queue, for a report: the time slot needing the most agents, agents then with the
        80% range, agent-hours on duty and to schedule, and the average chance of missing the
        target; the last row is all queues together (the slot of the headline card)."""
        t = self.totals()
        rows = {
            "queue": [queue_words(q) for q in t["series_id"].to_list()],
            "peak_ts": [when(v, self.time_zone) for v in t["peak_ts"].to_list()],
            "peak_agents": t["peak_agents"].to_list(),
            "agents_range_80": [
                _("{low} to {high}").format(low=lo, high=hi)
                for lo, hi in zip(
                    t["peak_agents_lo_80"].to_list(), t["peak_agents_hi_80"].to_list(), strict=True
                )
            ],
            "agent_hours": t["agent_hours"].round().cast(pl.Int64).to_list(),
            "scheduled_hours": t["scheduled_hours"].round().cast(pl.Int64).to_list(),
            "mean_p_miss_sl": t["mean_p_miss_sl"].to_list(),
        }
        if t.height > 1:
            peak = self.peak_total()
            rows["queue"].append(queue_words("all"))
            rows["peak_ts"].append(when(peak["ts"], self.time_zone))
            rows["peak_agents"].append(int(peak["agents"]))
            rows["agents_range_80"].append(
                _("{low} to {high}").format(low=peak["agents_lo_80"], high=peak["agents_hi_80"])
            )
            rows["agent_hours"].append(round(self.agent_hours))
            rows["scheduled_hours"].append(round(self.scheduled_hours))
            rows["mean_p_miss_sl"].append(self.mean_p_miss)
        return pl.DataFrame(
            rows,
            schema_overrides={
                "mean_p_miss_sl": pl.Float64,
                "peak_agents": pl.Int64,
                "agent_hours": pl.Int64,
                "scheduled_hours": pl.Int64,
            },
        )

    def assumptions(self) -> pl.DataFrame:
        """The Erlang inputs of every queue: handle time, target, patience, concurrency, model."""
        ids = list(self.sl_target)
        patience = self.patience_seconds or {}
        return pl.DataFrame(
            {
                "queue": [queue_words(q) for q in ids],
                "aht_seconds": [self.aht_seconds[q] for q in ids],
                "sl_target": [self.sl_target[q] for q in ids],
                "sl_seconds": [duration_words(self.sl_seconds[q]) for q in ids],
                "concurrency": [round(self.concurrency[q]) for q in ids],
                "patience_seconds": [
                    patience.get(q) if np.isfinite(patience.get(q, np.inf)) else None for q in ids
                ],
                "queue_model": [
                    label(
                        ("erlang_a_chat" if str(q).startswith("chat") else "erlang_a")
                        if np.isfinite(patience.get(q, np.inf))
                        else "erlang_c"
                    )
                    for q in ids
                ],
            },
            schema_overrides={"patience_seconds": pl.Float64, "concurrency": pl.Int64},
        )

    def peak_total(self) -> dict:
        """The time slot when all queues together need the most agents on duty (summed over the
        queues; not necessarily the slot with the most contacts)."""
        per_ts = (
            self.table.group_by("ts")
            .agg(pl.col("agents", "agents_hi_80", "agents_lo_80", "scheduled").sum())
            .sort(["agents", "ts"], descending=[True, False])
        )
        return per_ts.row(0, named=True)

    def busiest_total(self) -> dict:
        """The time slot with the most contacts, all queues together, and the agents it needs."""
        per_ts = (
            self.table.group_by("ts")
            .agg(pl.col("y_hat", "agents").sum())
            .sort(["y_hat", "ts"], descending=[True, False])
        )
        return per_ts.row(0, named=True)

    def headline(self) -> list[Headline]:
        """One card: agents on duty in the time slot that needs the most, all queues together."""
        peak = self.peak_total()
        days = local_ts(self.table["ts"], self.time_zone)
        first, last = days.min().date(), days.max().date()
        period = (first.isoformat(), (last + dt.timedelta(days=1)).isoformat())
        return [
            Headline(
                key="peak_agents",
                label=MOST_AGENTS.get(round(self.interval_minutes), N_("Most agents needed")),
                value=peak["agents"],
                unit="agents",
                period=period,
                detail=_(
                    "{when}; {high} if every queue is at the top of its 80% range; "
                    "{scheduled} to schedule"
                ).format(
                    when=when(peak["ts"], self.time_zone),
                    high=fmt_value(peak["agents_hi_80"], "agents"),
                    scheduled=fmt_value(np.ceil(peak["scheduled"]), "agents"),
                ),
            )
        ]

    def peaks(self) -> pl.DataFrame:
        """The interval of highest need of each series, with its ranges."""
        return (
            # agents are whole numbers and tie: the busier interval is the peak, then the earlier
            self.table.sort(
                ["series_id", "agents", "y_hat", "ts"], descending=[False, True, True, False]
            )
            .group_by("series_id", maintain_order=True)
            .first()
        )

    def export(self, path_prefix: str | Path) -> tuple[Path, Path]:
        """Write ``<prefix>.csv`` and ``<prefix>.parquet``: one row per queue and interval.

        Timestamps are the interval starts in UTC (ISO 8601 in the CSV). Returns both paths.
        """
        prefix = Path(path_prefix)
        prefix.parent.mkdir(parents=True, exist_ok=True)
        frame = self.table.with_columns(
            pl.lit(float(self.interval_minutes)).alias("interval_minutes")
        )
        csv, parquet = (
            prefix.with_name(prefix.name + ".csv"),
            prefix.with_name(prefix.name + ".parquet"),
        )
        frame.write_parquet(parquet)
        aware = getattr(frame.schema["ts"], "time_zone", None) is not None
        text = (
            pl.col("ts").dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
            if aware
            else pl.col("ts").dt.strftime("%Y-%m-%dT%H:%M:%S")
        )
        frame.with_columns(text).write_csv(csv)
        return csv, parquet

    def plot(self):
        """Agents needed on the phones over time per queue (the eight busiest), with the 80% and
        95% ranges; the line breaks where a queue is closed."""
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        from cxlab.viz import compact_times, compact_values

        series = self.peaks().sort("agents", descending=True)["series_id"].to_list()[:8]
        fig = make_subplots(
            rows=len(series),
            cols=1,
            shared_xaxes=True,
            subplot_titles=[queue_words(s) for s in series],
            vertical_spacing=0.25 / max(len(series), 1),
        )
        for i, sid in enumerate(series, start=1):
            d = self.table.filter(pl.col("series_id") == sid).sort("ts")
            x = local_ts(d["ts"], self.time_zone).to_list()
            color = family_color(sid, i)
            for lo, hi, alpha, name in (
                ("agents_lo_95", "agents_hi_95", 0.13, _("95% range")),
                ("agents_lo_80", "agents_hi_80", 0.28, _("80% range")),
            ):
                xs, ys = step_band(x, d[lo].to_list(), d[hi].to_list())
                fig.add_trace(
                    go.Scatter(
                        x=compact_times(xs), y=compact_values(ys, 1), mode="lines",
                        line=dict(width=0), fill="toself",
                        fillcolor=fade(color, alpha), name=name, showlegend=i == 1,
                        legendgroup=name, hoverinfo="skip",
                    ),
                    row=i, col=1,
                )  # fmt: skip
            xs, ys = with_gaps(x, d["agents"].to_list())
            fig.add_trace(
                go.Scatter(
                    x=compact_times(xs), y=compact_values(ys, 1), mode="lines",
                    line=dict(color=color, width=2, shape="hv"),
                    name=_("Agents at the forecast"), showlegend=i == 1, legendgroup="agents",
                    hovertemplate="%{x|%H:%M}: %{y}<extra></extra>",
                ),
                row=i, col=1,
            )  # fmt: skip
            fig.update_yaxes(rangemode="tozero", title_text=_("Agents on duty"), row=i, col=1)
        all_ts = local_ts(self.table["ts"], self.time_zone).unique().sort().to_list()
        fig.update_xaxes(
            type="date",
            rangebreaks=closed_hours(all_ts),
            tickformat=date_ticks(),
            ticklabelstandoff=8,
        )
        fig.update_layout(
            title=_("Agents needed on duty, with the forecast's 80% and 95% ranges"),
            height=max(360, 190 * len(series) + 140),
            margin=dict(t=120),
            hovermode="x unified",
        )
        return fig

    def findings(self) -> list[str]:
        """The peak need of all queues together with its range, the week's agent-hours, and the
        risk of missing the service-level target at the headcount assessed."""
        out = []
        if self.table.height:
            peak = self.peak_total()
            out.append(
                _(
                    "The {interval} needing the most agents, all queues together, is {when}: "
                    "{agents} on duty ({high} if every queue is at the top of its 80% "
                    "range), {scheduled} on the schedule once {shrinkage} of paid time lost to "
                    "breaks, training and absence is allowed for."
                ).format(
                    interval=interval_words(self.interval_minutes),
                    when=when(peak["ts"], self.time_zone),
                    agents=fmt_value(peak["agents"], "agents"),
                    high=fmt_value(peak["agents_hi_80"], "agents"),
                    scheduled=fmt_value(np.ceil(peak["scheduled"]), "agents"),
                    shrinkage=fmt_value(self.shrinkage, "share", decimals=0),
                )
            )
            busy = self.busiest_total()
            if busy["ts"] != peak["ts"] and busy["agents"] < peak["agents"]:
                out.append(
                    _(
                        "The busiest {interval} for contacts ({when}) needs fewer agents "
                        "({agents}): the queues peak at different times, and a contact of a "
                        "slow queue takes more agent time than one of a quick queue."
                    ).format(
                        interval=interval_words(self.interval_minutes),
                        when=when(busy["ts"], self.time_zone),
                        agents=fmt_value(busy["agents"], "agents"),
                    )
                )
        n_series = self.table["series_id"].n_unique()
        out.append(
            ngettext(
                "The plan needs {hours} agent-hours on duty across {n} queue, "
                "{scheduled} on the schedule.",
                "The plan needs {hours} agent-hours on duty across {n} queues, "
                "{scheduled} on the schedule.",
                n_series,
            ).format(
                hours=fmt_value(self.agent_hours, "count"),
                n=n_series,
                scheduled=fmt_value(self.scheduled_hours, "count"),
            )
        )
        if self.skipped:
            out.append(
                _("Not staffed here (no service-level target given): {queues}.").format(
                    queues=_("; ").join(queue_words(s) for s in self.skipped)
                )
            )
        open_ = self.table.filter(pl.col("y_hat") > 0)
        risk = open_["p_miss_sl"].drop_nulls()
        if risk.len():
            high = int((risk > 0.5).sum())
            words = {
                "interval": interval_words(self.interval_minutes),
                "chance": chance_words(float(risk.mean())),
                "high": fmt_value(high, "count"),
            }
            if high:
                text = ngettext(
                    "Staffed as planned, a {interval} has on average {chance} of missing its "
                    "service-level target; {high} {interval} has more than an even chance.",
                    "Staffed as planned, a {interval} has on average {chance} of missing its "
                    "service-level target; {high} {interval}s have more than an even chance.",
                    high,
                )
            else:
                text = _(
                    "Staffed as planned, a {interval} has on average {chance} of missing its "
                    "service-level target; none has more than an even chance."
                )
            out.append(text.format(**words))
        return out

    def queue_findings(self) -> list[str]:
        """Per queue: the busiest interval, the agents it needs and their ranges."""
        out = []
        for row in self.peaks().sort("agents", descending=True).iter_rows(named=True):
            out.append(
                _(
                    "{queue}: most agents needed {when}, {agents} on duty (80% range "
                    "{lo80} to {hi80}, 95% range {lo95} to {hi95})."
                ).format(
                    queue=queue_words(row["series_id"]),
                    when=when(row["ts"], self.time_zone),
                    agents=fmt_value(row["agents"], "agents"),
                    lo80=row["agents_lo_80"],
                    hi80=row["agents_hi_80"],
                    lo95=row["agents_lo_95"],
                    hi95=row["agents_hi_95"],
                )
            )
        return out


def chance_words(p: float) -> str:
    """A probability in plain words: "about a one-in-five chance" / "约两成的可能"."""
    tenths = round(p * 10)
    if tenths <= 0:
        return _("less than a one-in-twenty chance") if p < 0.05 else _("about a one-in-ten chance")
    if tenths >= 10:
        return _("almost every chance")
    return _("about a {odds} chance").format(odds=_(CHANCE_WORDS[tenths]))


def _frame(forecast: Any) -> pl.DataFrame:
    if isinstance(forecast, Result):
        forecast = forecast.summary()
    if isinstance(forecast, pl.LazyFrame):
        forecast = forecast.collect()
    if not isinstance(forecast, pl.DataFrame):
        try:
            forecast = pl.from_pandas(forecast)
        except Exception as exc:  # pragma: no cover - the message says what to pass
            raise SchemaError("plan() takes a polars (or pandas) forecast frame.") from exc
    missing = [c for c in ("series_id", "ts", "y_hat") if c not in forecast.columns]
    if missing:
        raise SchemaError(
            f"the forecast frame lacks {missing}; it needs series_id, ts, y_hat and the bands "
            "y_lo_80, y_hi_80, y_lo_95, y_hi_95 (counts per interval)."
        )
    return forecast


_LOOSE = frozenset(SETTINGS_FIELDS)


def settings_from(
    settings: QueueSettings | None, loose: dict[str, Any], func: str
) -> QueueSettings:
    """``settings`` with the deprecated loose keywords folded in (each warns, naming settings=)."""
    unknown = sorted(set(loose) - _LOOSE)
    if unknown:
        raise TypeError(f"{func}() got unexpected keyword arguments {unknown}.")
    for key in loose:
        warn_renamed(f"{func}({key}=...)", "settings=QueueSettings(...)", stacklevel=5)
    if settings is None:
        need = [k for k in ("aht_seconds", "sl_target", "sl_seconds") if loose.get(k) is None]
        if need:
            raise OptionError(
                f"{func}() needs settings=QueueSettings(aht_seconds=..., sl_target=..., "
                f"sl_seconds=...) (or cx.staffing.queue_settings(queues, contacts)); "
                f"{', '.join(need)} not given."
            )
        return QueueSettings(**{k: v for k, v in loose.items() if v is not None})
    if not isinstance(settings, QueueSettings):
        raise OptionError(
            f"{func}(settings=...) takes a QueueSettings (for example "
            f"cx.staffing.queue_settings(queues, contacts)); got {type(settings).__name__}."
        )
    return settings.replace(**loose) if loose else settings


def infer_every(frame: pl.DataFrame) -> str:
    """The grain of a forecast frame: the shortest step between interval starts of a series."""
    steps = (
        frame.select("series_id", "ts")
        .sort("series_id", "ts")
        .select((pl.col("ts").diff().over("series_id")).dt.total_seconds().alias("s"))
        .filter(pl.col("s") > 0)["s"]
    )
    if steps.len() == 0 or steps.min() % 60:
        raise OptionError(
            "plan(): the forecast has one interval per series, so its grain cannot be read; give "
            f"every= ({EVERY_FORMS})."
        )
    return check_every(every_of(steps.min() / 60))


@renamed(interval_minutes=("every", minutes_as_every), level="by")
def plan(
    forecast: Any,
    *,
    every: str | None = None,
    settings: QueueSettings | None = None,
    headcount: int | Mapping[str, int] | pl.DataFrame | None = None,
    model: str | None = None,
    by: str | None = None,
    time_zone: str | None = None,
    executor: Any = None,
    **loose: Any,
) -> StaffingPlan:
    """Agents per queue and interval for a volume forecast, with ranges and the risk of missing.

    Parameters
    ----------
    forecast : polars.DataFrame, LazyFrame, or a forecast result
        A result is read through its ``summary()``. Long forecast ``series_id, ts, [model,] y_hat, y_lo_80, y_hi_80, y_lo_95, y_hi_95``
        (contacts per interval). The band columns are optional: without them, the ranges and the
        risk are left empty.
    every : str, optional
        Length of the forecast intervals, ``"15m"``, ``"30m"`` or ``"1h"`` (was
        ``interval_minutes``). Default: read from the forecast's interval starts.
    settings : QueueSettings
        Handle time, service-level target, concurrency, patience, shrinkage and occupancy cap, one
        value or a dict series_id -> value each (see :func:`cxlab.staffing.queue_settings`). When
        ``sl_target`` is a dict, only its series are staffed (the others, for example email worked
        from a backlog, are listed in ``skipped``). ``patience_seconds`` switches from Erlang C to
        Erlang A (abandonment); a series missing from its dict (or None) uses Erlang C. The loose
        keywords of earlier versions (``aht_seconds=``, ``sl_target=``, ``shrinkage=`` ...) still
        work for one minor version, with a ``DeprecationWarning``.
    headcount : int, dict, or DataFrame, optional
        Agents on the phones to assess (``series_id, ts, headcount`` for a frame). Default: the
        plan's own ``agents``.
    model : str, optional
        Which model's rows to use when the frame holds several for the same intervals (a frame
        with one chosen model per series needs none).
    by : str, optional
        Which hierarchy level to staff when the frame has a ``level`` column with several
        values (default ``"queue"``; was ``level=``).
    time_zone : str, optional
        Time zone used in findings and charts (default: the workspace's).
    executor : optional
        Where the agents are computed: ``None`` (the Dask cluster of ``CXLAB_DASK_ADDRESS``, in
        up to 16 tasks of whole queues, if set; else in this process, all queues at once),
        ``"serial"``, ``"processes"``, ``"dask"``, a ``distributed.Client`` or an executor with
        ``submit`` (see :mod:`cxlab._executor`). Each interval's agents depend on its own row
        only, so every executor gives the same table.

    Returns
    -------
    StaffingPlan
        ``p_miss_sl`` integrates over the forecast: a distribution is fitted to the five
        quantiles (linear in the normal score between them, so symmetric bands give a normal and
        skewed bands a skewed distribution), and the risk is the probability that the volume
        exceeds the largest volume the headcount serves at the target.

    References
    ----------
    Koole (2013), chapter 5; Garnett, Mandelbaum & Reiman (2002); Gans et al. (2015) for
    staffing against a forecast distribution.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> fc = pl.DataFrame({"series_id": ["q"], "ts": [dt.datetime(2026, 10, 5, 2, tzinfo=dt.UTC)],
    ...     "y_hat": [100.0], "y_lo_80": [85.0], "y_hi_80": [115.0], "y_lo_95": [78.0], "y_hi_95": [123.0]})
    >>> s = QueueSettings(aht_seconds=180, sl_target=0.8, sl_seconds=20)
    >>> p = plan(fc, every="30m", settings=s, time_zone="UTC")
    >>> p.summary()["agents"].item(), p.summary()["agents_hi_95"].item()
    (14, 16)
    """
    qs = settings_from(settings, loose, "plan")
    executor = check_executor(executor)
    frame = _frame(forecast)
    if "level" in frame.columns and frame["level"].n_unique() > 1:
        levels = frame["level"].unique().sort().to_list()
        pick = by or ("queue" if "queue" in levels else None)
        if pick not in levels:
            raise OptionError(
                f"plan(by={by!r}): the forecast holds the levels {levels}; pass by= one of them "
                "to pick the one to staff."
            )
        frame = frame.filter(pl.col("level") == pick)
    if "cutoff" in frame.columns and frame["cutoff"].n_unique() > 1:
        raise OptionError(
            "the frame holds forecasts from several cutoffs (a forecast backtest); filter it to "
            "one cutoff before planning."
        )
    if "model" in frame.columns:
        models = frame["model"].unique().sort().to_list()
        if model is not None:
            if model not in models:
                raise OptionError(
                    f"model={model!r} is not in the forecast; choose one of {models}."
                )
            frame = frame.filter(pl.col("model") == model)
        elif frame.select("series_id", "ts").is_duplicated().any():
            raise OptionError(
                f"the forecast holds several models {models} for the same intervals; pass "
                "model=... to pick one."
            )
        model = model or (models[0] if len(models) == 1 else None)
    elif frame.select("series_id", "ts").is_duplicated().any():
        raise SchemaError("the forecast has duplicate series_id x ts rows.")
    if frame.height == 0:
        raise NotEnoughDataError("the forecast frame is empty: nothing to staff.")
    every = check_every(every) if every is not None else infer_every(frame)
    minutes = interval_minutes(every)
    aht_seconds, sl_target, sl_seconds = qs.aht_seconds, qs.sl_target, qs.sl_seconds
    concurrency, patience_seconds = qs.concurrency, qs.patience_seconds
    shrinkage, max_occupancy = qs.shrinkage, qs.max_occupancy
    skipped: tuple[str, ...] = ()
    if isinstance(sl_target, Mapping):
        present = frame["series_id"].cast(pl.Utf8).unique().sort().to_list()
        skipped = tuple(sid for sid in present if sid not in sl_target)
        frame = frame.filter(pl.col("series_id").cast(pl.Utf8).is_in(list(sl_target)))
        if frame.height == 0:
            raise OptionError(
                f"settings name none of the forecast's series: sl_target is given for "
                f"{sorted(sl_target)}, the forecast has {present[:8]}; use the forecast's queue "
                "names (or one value for every series)."
            )
    frame = frame.sort(["series_id", "ts"])
    has_bands = all(c in frame.columns for c in QUANTILE_COLUMNS)
    ids = frame["series_id"].cast(pl.Utf8).to_numpy()
    aht = per_series(aht_seconds, ids, "aht_seconds")
    slt = per_series(sl_target, ids, "sl_target")
    sls = per_series(sl_seconds, ids, "sl_seconds")
    conc = per_series(concurrency, ids, "concurrency")
    pat = (
        np.full(len(ids), np.inf)
        if patience_seconds is None
        else per_series(patience_seconds, ids, "patience_seconds", missing=np.inf)
    )
    seconds = minutes * 60.0
    if "open_minutes" in frame.columns:  # an interval open only in part: its contacts come then
        open_s = frame["open_minutes"].cast(pl.Float64).fill_null(minutes).to_numpy() * 60.0
        seconds = np.clip(open_s, 60.0, minutes * 60.0)
    cols = QUANTILE_COLUMNS if has_bands else ("y_hat",)
    volumes = np.vstack([frame[c].cast(pl.Float64).fill_null(np.nan).to_numpy() for c in cols])
    if np.isnan(volumes).any():
        raise SchemaError(
            f"the forecast has missing values in {list(cols)}; fill or drop them first."
        )
    volumes = np.maximum(volumes, 0.0)
    given = None if headcount is None else _headcount(headcount, frame, None)
    # each row's agents depend on that row alone: all rows at once in this process, else tasks
    # of whole queues (a queue's rows are contiguous), up to PLAN_TASKS of about equal rows
    bounds = [0, len(ids)]
    if not is_local(executor, 2):
        starts = np.concatenate([[0], np.flatnonzero(ids[1:] != ids[:-1]) + 1])
        count = min(len(starts), PLAN_TASKS)
        wanted = np.linspace(0, len(ids), count + 1)[1:-1]
        cuts = starts[np.minimum(np.searchsorted(starts, wanted), len(starts) - 1)]
        bounds = [0, *sorted({int(c) for c in cuts if 0 < c < len(ids)}), len(ids)]

    def cut(v: Any, a: int, b: int) -> Any:
        return v[..., a:b] if np.ndim(v) else v

    tasks = [
        (
            cut(volumes, a, b),
            cut(aht, a, b),
            cut(slt, a, b),
            cut(sls, a, b),
            cut(conc, a, b),
            cut(pat, a, b),
            cut(seconds, a, b),
            float(max_occupancy),
            None if given is None else cut(given, a, b),
            cols,
        )
        for a, b in itertools.pairwise(bounds)
    ]
    names = [
        f"series {str(ids[a])!r}" + (f" to {str(ids[b - 1])!r}" if ids[a] != ids[b - 1] else "")
        for a, b in itertools.pairwise(bounds)
    ]
    parts = fan_out(_agents, tasks, executor=executor, names=names)
    agents = np.concatenate([p[0] for p in parts], axis=1)
    head, service_level, occupancy, risk = (
        np.concatenate([p[k] for p in parts]) for k in range(1, 5)
    )
    hat = agents[cols.index("y_hat")]
    keys = ["series_id", "ts", *(["model"] if "model" in frame.columns else [])]
    out = frame.select(keys).with_columns(
        pl.Series("y_hat", volumes[cols.index("y_hat")]),
        pl.Series("agents", hat),
        pl.Series("scheduled", hat / (1.0 - shrinkage)),
    )
    for name, col in BANDS:
        out = out.with_columns(
            pl.Series(col, volumes[cols.index(col)])
            if has_bands
            else pl.lit(None, pl.Float64).alias(col),
            pl.Series(f"agents_{name}", agents[cols.index(col)])
            if has_bands
            else pl.lit(None, pl.Int64).alias(f"agents_{name}"),
        )
    out = out.with_columns(
        pl.Series("headcount", head),
        pl.Series("service_level", service_level),
        pl.Series("occupancy", occupancy),
        pl.Series("p_miss_sl", risk, nan_to_null=True),
        pl.Series("aht_seconds", aht),
        pl.Series("concurrency", conc),
        pl.Series("sl_target", slt),
        pl.Series("sl_seconds", sls),
    )
    order = [
        *keys,
        "y_hat",
        "y_lo_80",
        "y_hi_80",
        "y_lo_95",
        "y_hi_95",
        "agents",
        "agents_lo_80",
        "agents_hi_80",
        "agents_lo_95",
        "agents_hi_95",
        "scheduled",
        "headcount",
        "service_level",
        "occupancy",
        "p_miss_sl",
        "aht_seconds",
        "concurrency",
        "sl_target",
        "sl_seconds",
    ]
    uniq = dict.fromkeys(ids.tolist())
    return StaffingPlan(
        table=out.select(order),
        interval_minutes=float(minutes),
        sl_target={k: float(slt[ids == k][0]) for k in uniq},
        sl_seconds={k: float(sls[ids == k][0]) for k in uniq},
        shrinkage=float(shrinkage),
        max_occupancy=float(max_occupancy),
        aht_seconds={k: float(aht[ids == k][0]) for k in uniq},
        concurrency={k: float(conc[ids == k][0]) for k in uniq},
        patience_seconds=None
        if patience_seconds is None
        else {k: float(pat[ids == k][0]) for k in uniq},
        model=model,
        time_zone=time_zone,
        skipped=skipped,
    )


def _agents(
    volumes: np.ndarray,
    aht: np.ndarray,
    slt: np.ndarray,
    sls: np.ndarray,
    conc: np.ndarray,
    pat: np.ndarray,
    seconds: float | np.ndarray,
    max_occupancy: float,
    head: np.ndarray | None,
    cols: tuple[str, ...],
) -> tuple[np.ndarray, ...]:
    """Agents at each quantile (rows of ``volumes``), the headcount assessed (``head``, else the
    agents at ``y_hat``), and its service level, occupancy and risk of missing the target, for
    some rows of a plan (runs in a worker)."""
    servers = required_servers(
        volumes * aht / seconds,
        np.broadcast_to(aht, volumes.shape),
        np.broadcast_to(slt, volumes.shape),
        np.broadcast_to(sls, volumes.shape),
        None,
        np.full(volumes.shape, max_occupancy),
        np.broadcast_to(pat, volumes.shape),
    )
    agents = np.ceil(servers / conc - _EPS).astype(np.int64)
    hat = agents[cols.index("y_hat")]
    head = hat.astype(np.int64) if head is None else head
    head_servers = np.floor(head * conc + _EPS).astype(np.int64)
    m = erlang_a_from(volumes[cols.index("y_hat")] * aht / seconds, head_servers, aht, pat, sls)
    risk = (
        p_miss(
            head_servers,
            np.column_stack([volumes[cols.index(c)] for c in QUANTILE_COLUMNS]),
            interval_seconds=seconds,
            aht=aht,
            sl_target=slt,
            sl_seconds=sls,
            patience=pat,
        )
        if cols == QUANTILE_COLUMNS
        else np.full(len(hat), np.nan)
    )
    return (
        agents,
        head,
        np.asarray(m.service_level, float),
        np.asarray(m.occupancy, float),
        risk,
    )


def _headcount(headcount: Any, frame: pl.DataFrame, planned: np.ndarray | None) -> np.ndarray:
    if headcount is None:
        return planned.astype(np.int64)
    if isinstance(headcount, pl.DataFrame):
        if not {"series_id", "ts", "headcount"} <= set(headcount.columns):
            raise SchemaError("a headcount frame needs the columns series_id, ts, headcount.")
        joined = frame.select("series_id", "ts").join(
            headcount.select("series_id", "ts", "headcount"), on=["series_id", "ts"], how="left"
        )
        values = joined["headcount"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        if np.isnan(values).any():
            raise SchemaError("the headcount frame lacks some series_id x ts rows of the forecast.")
        return values.astype(np.int64)
    ids = frame["series_id"].cast(pl.Utf8).to_numpy()
    values = per_series(headcount, ids, "headcount")
    if np.any(values < 0) or np.any(values != np.floor(values)):
        raise OptionError("headcount is a whole number of agents on the phones.")
    return values.astype(np.int64)
