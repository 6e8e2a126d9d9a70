"""Staffing backtest: replay a past period's arrivals against the agents a plan would have put on.

Per series, the actual arrivals (times from the contacts table, or spread uniformly inside each
interval when only counts are given, which is exact for a Poisson process given its counts) meet
the planned agents in a first-come-first-served simulation with exponential patience
(:func:`cxlab.staffing._simulate.fifo_queue`). Handle times are the contacts' own when the
contacts table is given (missing ones, such as abandoned contacts, drawn from the same series'
handle times); otherwise drawn with the planned mean. The service level counts every arrival:
answered within the threshold / arrivals.

References
----------
Koole, G. (2013). *Call Center Optimization*. MG Books, chapter 6 (simulating a staffing plan).
Garnett, O., Mandelbaum, A. & Reiman, M. (2002). Designing a call center with impatient customers.
*Manufacturing & Service Operations Management* 4(3), 208-227.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError, SchemaError
from cxlab._options import check_option, renamed, warn_renamed
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
from cxlab._result import Result
from cxlab.features import is_interval_report
from cxlab.staffing._plan import StaffingPlan
from cxlab.staffing._settings import SETTINGS_FIELDS, QueueSettings
from cxlab.staffing._simulate import Service, draw_service, fifo_queue
from cxlab.staffing._util import interval_minutes, minutes_as_every, per_series, when
from cxlab.staffing._words import duration_words, family_color, queue_words

UTC = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class StaffingBacktest(Result):
    """What a plan's staffing would have achieved on a past period's actual arrivals.

    ``intervals`` has one row per series_id x ts (offered, answered, answered within the
    threshold, abandoned, agents, service level, ASA, abandonment rate, target met);
    ``summary()`` one row per series and an ``all`` row, with, when the contacts table was
    replayed, the service level and abandonment that actually happened (``actual_*``).
    """

    intervals: pl.DataFrame
    totals: pl.DataFrame
    interval_minutes: float
    seed: int
    time_zone: str | None = field(default=None, compare=False)
    abandonment_target: dict[str, float] = field(default_factory=dict)
    """Upper limits on the abandonment rate per series (from the workspace's targets)."""

    @property
    def title(self) -> str:
        return _("Staffing backtest")

    def summary(self) -> pl.DataFrame:
        return self.totals

    def _overall(self, column: str) -> float | None:
        value = self.totals.filter(pl.col("series_id") == "all")[column].item()
        return None if value is None else float(value)

    @property
    def service_level(self) -> float | None:
        """Share of all replayed arrivals answered within their queue's threshold."""
        return self._overall("service_level")

    @property
    def abandonment_rate(self) -> float | None:
        """Share of all replayed arrivals that hung up."""
        return self._overall("abandonment_rate")

    @property
    def asa(self) -> float | None:
        """Mean wait of answered contacts in the replay, seconds."""
        return self._overall("asa")

    def _repr_html_(self) -> str:
        import html

        from cxlab._present import CSS
        from cxlab._result import html_findings, html_table

        return (
            f"{CSS}<div class='cx-result'><h4>{html.escape(self.title)}</h4>"
            f"{html_findings(self.findings())}{html_table(self.table())}</div>"
        )

    def table(self) -> pl.DataFrame:
        """Per queue and for all queues, for a report: the service level the plan would have
        delivered, its target, as it actually happened, waits, and abandonment in the replay
        and as it actually happened."""
        t = self.totals
        mixed = pl.col("series_id") == "all"  # waits of email hours and phone seconds: no mean
        return t.select(
            pl.Series("queue", [queue_words(q) for q in t["series_id"].to_list()], pl.Utf8),
            "offered",
            "service_level",
            pl.col("sl_target").alias("replay_sl_target"),
            "actual_service_level",
            pl.when(mixed).then(None).otherwise(pl.col("asa")).alias("replay_asa"),
            pl.when(pl.col("can_abandon"))
            .then(pl.col("abandonment_rate"))
            .alias("abandonment_rate"),
            pl.when(pl.col("can_abandon"))
            .then(pl.col("actual_abandonment_rate"))
            .alias("actual_abandonment_rate"),
            "share_intervals_met",
        )

    def misses(self) -> pl.DataFrame:
        """The queues that missed a target in the replay: ``series_id, kpi`` (``service_level``
        or ``abandonment_rate``), ``value, target, direction``; the worst first per kpi."""
        rows = self.totals.filter(pl.col("series_id") != "all")
        out = []
        for r in rows.sort("service_level").iter_rows(named=True):
            if r["service_level"] is not None and r["met"] is False:
                out.append(
                    (r["series_id"], "service_level", r["service_level"], r["sl_target"], ">=")
                )
        for r in rows.sort("abandonment_rate", descending=True).iter_rows(named=True):
            limit = self.abandonment_target.get(r["series_id"])
            rate = r["abandonment_rate"]
            if limit is not None and r["can_abandon"] and rate is not None and rate > limit:
                out.append((r["series_id"], "abandonment_rate", rate, limit, "<="))
        return pl.DataFrame(
            out,
            schema={"series_id": pl.Utf8, "kpi": pl.Utf8, "value": pl.Float64,
                    "target": pl.Float64, "direction": pl.Utf8},
            orient="row",
        )  # fmt: skip

    def _period(self) -> tuple[str, str] | None:
        from cxlab.staffing._util import local_ts

        if self.intervals.is_empty():
            return None
        days = local_ts(self.intervals["ts"], self.time_zone)
        first, last = days.min().date(), days.max().date()
        return first.isoformat(), (last + dt.timedelta(days=1)).isoformat()

    def headline(self) -> list[Headline]:
        """A card per target the replayed plan missed (service level, abandonment), or one card
        with the service level of all queues when every target was met."""
        period = self._period()
        misses = self.misses()
        if misses.is_empty():
            return [
                Headline(
                    key="replay_service_level",
                    label=N_("Service level in the replay of last week's plan"),
                    value=self.service_level,
                    unit="share",
                    period=period,
                    detail=_("every queue met its targets"),
                )
            ]
        cards = []
        for r in misses.iter_rows(named=True):
            is_sl = r["kpi"] == "service_level"
            cards.append(
                Headline(
                    key=f"replay_{r['kpi']}_{r['series_id']}",
                    label=N_("Service level in the replay of last week's plan")
                    if is_sl
                    else N_("Abandonment in the replay of last week's plan"),
                    value=r["value"],
                    unit="share",
                    target=r["target"],
                    direction=r["direction"],
                    period=period,
                    detail=queue_words(r["series_id"]),
                )
            )
        return cards

    def answer(self) -> list[str]:
        """For the answer of a report: which targets the replayed plan would have missed."""
        misses = self.misses()
        if misses.is_empty():
            return [
                _(
                    "Replayed against last week's actual contacts, the plan made from last "
                    "week's forecast would have met every queue's targets."
                )
            ]
        parts = []
        for r in misses.iter_rows(named=True):
            text = (
                _("{queue}: service level {value} against a target of {target}")
                if r["kpi"] == "service_level"
                else _("{queue}: {value} abandoned against a limit of {target}")
            )
            parts.append(
                text.format(
                    queue=queue_words(r["series_id"]),
                    value=fmt_value(r["value"], "share"),
                    target=fmt_value(r["target"], "share", decimals=0),
                )
            )
        return [
            _(
                "Replayed against last week's actual contacts, the plan made from last week's "
                "forecast would have missed targets: {misses}."
            ).format(misses=_("; ").join(parts))
        ]

    def plot(self):
        """Per queue: the service level the plan would have delivered (bars), as it actually
        happened (diamonds) and the target (dashes)."""
        import plotly.graph_objects as go

        from cxlab.viz import COLORS, TARGET_LINE

        rows = self.totals.filter(pl.col("series_id") != "all").sort("service_level")
        names = [queue_words(q) for q in rows["series_id"].to_list()]
        fig = go.Figure()
        fig.add_trace(
            go.Bar(
                y=names,
                x=rows["service_level"].to_list(),
                orientation="h",
                marker_color=[
                    family_color(q, i) for i, q in enumerate(rows["series_id"].to_list())
                ],
                name=_("Staffed as planned (replay)"),
                showlegend=False,
                hovertemplate="%{y}: %{x:.1%}<extra></extra>",
            )
        )
        # one legend entry per channel colour the bars use, channels in business order
        from cxlab._present import ORDERS

        first: dict[str, tuple[int, str]] = {}
        for i, q in enumerate(rows["series_id"].to_list()):
            first.setdefault(str(q).split("_")[0], (i, q))
        rank = {v: k for k, v in enumerate(ORDERS.get("channel", ()))}
        for channel in sorted(first, key=lambda c: (rank.get(c, 99), c)):
            i, q = first[channel]
            fig.add_trace(
                go.Bar(
                    y=[None], x=[None], orientation="h", marker_color=family_color(q, i),
                    name=_("{channel}: staffed as planned (replay)").format(
                        channel=label(channel)
                    ),
                    hoverinfo="skip",
                )
            )  # fmt: skip
        if rows["actual_service_level"].drop_nulls().len():
            fig.add_trace(
                go.Scatter(
                    y=names,
                    x=rows["actual_service_level"].to_list(),
                    mode="markers",
                    marker=dict(symbol="diamond", size=11, color=COLORS["muted"]),
                    name=_("As it actually happened"),
                    hovertemplate="%{y}: %{x:.1%}<extra></extra>",
                )
            )
        fig.add_trace(
            go.Scatter(
                y=names,
                x=rows["sl_target"].to_list(),
                mode="markers",
                marker=dict(
                    symbol="line-ns-open", size=22, color=TARGET_LINE["color"], line_width=2.5
                ),
                name=_("Target"),
                hovertemplate="%{y}: %{x:.0%}<extra></extra>",
            )
        )
        fig.update_layout(
            title=_("Service level the plan would have delivered in the replayed week, per queue"),
            xaxis=dict(title=_("Service level (share answered within the target time)"),
                       tickformat=".0%",
                       range=[0, 1.02]),
            height=max(320, 48 * len(names) + 200),
            margin=dict(l=160, t=110),
        )  # fmt: skip
        return fig

    def findings(self) -> list[str]:
        out = []
        rows = self.totals.filter(pl.col("series_id") != "all").sort("service_level")
        for r in rows.iter_rows(named=True):
            words = {
                "queue": queue_words(r["series_id"]),
                "sl": fmt_value(r["service_level"], "share"),
                "seconds": duration_words(r["sl_seconds"]),
                "target": fmt_value(r["sl_target"], "share", decimals=0),
                "asa": duration_words(r["asa"]),
                "abandoned": fmt_value(r["abandonment_rate"], "share"),
            }
            limit = self.abandonment_target.get(r["series_id"])
            if r["can_abandon"] and limit is not None and (r["abandonment_rate"] or 0) > limit:
                words["limit"] = fmt_value(limit, "share", decimals=0)
                abandon = _("{abandoned} abandoned, above the {limit} limit").format(**words)
            elif r["can_abandon"]:
                abandon = _("{abandoned} abandoned").format(**words)
            else:
                abandon = None
            if str(r["series_id"]).split("_")[0] in ("email", "social"):  # answered in writing
                words["answered"] = _("first response within {seconds}").format(**words)
                words["wait"] = _("average first response {asa}").format(**words)
            else:
                words["answered"] = _("answered within {seconds}").format(**words)
                words["wait"] = _("average wait {asa}").format(**words)
            if r["met"]:
                text = _(
                    "{queue}: service level {sl} ({answered}), meeting the {target} target; {wait}"
                )
            else:
                text = _(
                    "{queue}: service level {sl} ({answered}), below the {target} target; {wait}"
                )
            text = text.format(**words)
            out.append(
                _("{sentence}, {abandon}.").format(sentence=text, abandon=abandon)
                if abandon
                else _("{sentence}.").format(sentence=text)
            )
        total = self.totals.filter(pl.col("series_id") == "all")
        if total.height and total["actual_service_level"].item() is not None:
            t = total.row(0, named=True)
            out.append(
                _(
                    "All queues together: service level {sl} in the replay with {abandoned} "
                    "abandoned; as it actually happened, {actual_sl} and {actual_abandoned}."
                ).format(
                    sl=fmt_value(t["service_level"], "share"),
                    abandoned=fmt_value(t["abandonment_rate"], "share"),
                    actual_sl=fmt_value(t["actual_service_level"], "share"),
                    actual_abandoned=fmt_value(t["actual_abandonment_rate"], "share"),
                )
            )
        worst = self.intervals.filter(pl.col("offered") >= 5).sort("service_level").head(1)
        if worst.height:
            w = worst.row(0, named=True)
            day, _sep, time = when(w["ts"], self.time_zone).rpartition(" ")
            out.append(
                ngettext(
                    "The hardest {interval} was {queue} on {day} at {time}: {offered} contacts, "
                    "{agents} agent, {answered} of {offered} answered within target.",
                    "The hardest {interval} was {queue} on {day} at {time}: {offered} contacts, "
                    "{agents} agents, {answered} of {offered} answered within target.",
                    int(w["agents"]),
                ).format(
                    interval=interval_words(self.interval_minutes),
                    queue=queue_words(w["series_id"]),
                    day=day or time,
                    time=time if day else "",
                    offered=fmt_value(w["offered"], "count"),
                    agents=fmt_value(w["agents"], "count"),
                    answered=fmt_value(w["answered_within_sl"], "count"),
                )
            )
        out.append(
            _(
                "The replay includes random simulation; figures per {interval} can move by a few points."
            ).format(interval=interval_words(self.interval_minutes))
        )
        return out

    def methods(self) -> list[str]:
        """How the replay was made (for an appendix)."""
        return [
            _(
                "One replay of the actual arrivals with simulated patience and handle times "
                "(seed {seed}); another seed moves the figures of single time slots by a few "
                "points."
            ).format(seed=self.seed)
        ]


def _covered(actual: pl.DataFrame | pl.LazyFrame) -> str:
    """The time range a table of actuals covers, in words for an error message."""
    lf = actual.lazy()
    names = lf.collect_schema().names()
    col = next((c for c in ("arrived_at", "interval_start") if c in names), "ts")
    lo, hi = (
        lf.select(pl.col(col).min().alias("lo"), pl.col(col).max().alias("hi")).collect().row(0)
    )
    if lo is None:
        return "no rows at all"
    return f"{lo:%Y-%m-%d %H:%M} to {hi:%Y-%m-%d %H:%M} ({col})"


def _arrivals(actual: Any, start, end, interval_s: float) -> tuple[pl.DataFrame, bool]:
    """series_id, offset (seconds from ``start``), handle (seconds or null) of each arrival."""
    if isinstance(actual, pl.DataFrame):
        actual = actual.lazy()
    if not isinstance(actual, pl.LazyFrame):
        raise SchemaError("backtest() takes the actuals as a polars DataFrame or LazyFrame.")
    cols = actual.collect_schema().names()
    if is_interval_report(cols):  # the report's counts, spread inside each of its intervals
        actual = actual.select(
            pl.col("queue").alias("series_id"),
            pl.col("interval_start").alias("ts"),
            pl.col("offered").cast(pl.Float64).alias("y"),
        )
        cols = ["series_id", "ts", "y"]
    if {"queue", "arrived_at"} <= set(cols):
        handle = pl.col("handle_seconds") if "handle_seconds" in cols else pl.lit(None, pl.Float64)
        observed = {"wait_seconds", "abandoned", "answered_at"} <= set(cols)
        wait = pl.col("wait_seconds") if observed else pl.lit(None, pl.Float64)
        answered = pl.col("answered_at").is_not_null() if observed else pl.lit(None, pl.Boolean)
        gone = pl.col("abandoned") if observed else pl.lit(None, pl.Boolean)
        frame = (
            actual.filter((pl.col("arrived_at") >= start) & (pl.col("arrived_at") < end))
            .select(
                pl.col("queue").cast(pl.Utf8).alias("series_id"),
                ((pl.col("arrived_at") - start).dt.total_microseconds() / 1e6).alias("offset"),
                handle.cast(pl.Float64).alias("handle"),
                wait.cast(pl.Float64).alias("actual_wait"),
                answered.alias("actual_answered"),
                gone.alias("actual_abandoned"),
            )
            .collect()
        )
        return frame, True
    if {"series_id", "ts", "y"} <= set(cols):
        zone = getattr(actual.collect_schema()["ts"], "time_zone", None)
        utc = (
            pl.col("ts").dt.convert_time_zone("UTC")
            if zone
            else pl.col("ts").dt.replace_time_zone("UTC")
        )
        counts = (
            actual.with_columns(utc.cast(UTC))
            .filter((pl.col("ts") >= start) & (pl.col("ts") < end))
            .select(
                pl.col("series_id").cast(pl.Utf8),
                ((pl.col("ts") - start).dt.total_microseconds() / 1e6).alias("offset"),
                pl.col("y").round().cast(pl.Int64).clip(0, None).alias("n"),
            )
            .collect()
        )
        return counts, False
    raise SchemaError(
        "the actuals need either the contacts table (queue, arrived_at[, handle_seconds]) or "
        f"a long count frame (series_id, ts, y); got columns {cols[:12]}."
    )


@renamed(interval_minutes=("every", minutes_as_every))
def backtest(
    plan_or_frame: StaffingPlan | pl.DataFrame,
    actual: pl.DataFrame | pl.LazyFrame,
    *,
    every: str | None = None,
    settings: QueueSettings | None = None,
    agents_column: str = "agents",
    service: Service = "lognormal",
    seed: int = 0,
    time_zone: str | None = None,
    abandonment_target: float | Mapping[str, float] | None = None,
    **loose: Any,
) -> StaffingBacktest:
    """Replay a past period's arrivals against planned agents and report what they achieve.

    Parameters
    ----------
    plan_or_frame : StaffingPlan or polars.DataFrame
        A plan (its grain and settings are the defaults of ``every`` and ``settings``), or a frame
        ``series_id, ts, <agents_column>`` of agents on the phones per interval.
    actual : polars.DataFrame or LazyFrame
        The contacts table (``queue`` is the series; actual arrival times and handle times are
        replayed), the ``intervals`` table (its contacts offered, spread uniformly inside each
        of its intervals) or counts per interval ``series_id, ts, y``. Only the plan's period is
        used.
    every : str, optional
        Length of the intervals, ``"15m"``, ``"30m"`` or ``"1h"`` (was ``interval_minutes``).
        Default: the plan's, or read from the frame's interval starts.
    settings : QueueSettings, optional
        Handle time, service-level target, patience and concurrency (see
        :func:`cxlab.staffing.plan`); default: the plan's. Patience is exponential with the given
        mean (None: nobody hangs up). The loose keywords of earlier versions
        (``sl_target=`` ...) still work for one minor version, with a ``DeprecationWarning``.
    agents_column : str, default "agents"
        Which staffing to replay (for example ``"agents_hi_80"``).
    service : {"lognormal", "exponential"}
        Distribution of simulated handle times (used where actual ones are not known).
    seed : int
        Seed of the simulated arrivals inside intervals, patience and handle times.
    abandonment_target : float or dict, optional
        Upper limit on the abandonment rate, one for all series or per series (see
        :func:`abandonment_targets`); a series that misses it is reported as a miss.

    Returns
    -------
    StaffingBacktest

    References
    ----------
    Koole (2013), chapter 6; Garnett, Mandelbaum & Reiman (2002).
    """
    check_option("service", service, Service)
    unknown = sorted(set(loose) - set(SETTINGS_FIELDS))
    if unknown:
        raise TypeError(f"backtest() got unexpected keyword arguments {unknown}.")
    for key in loose:
        warn_renamed(f"backtest({key}=...)", "settings=QueueSettings(...)", stacklevel=4)
    if settings is not None and not isinstance(settings, QueueSettings):
        raise OptionError(
            "backtest(settings=...) takes a QueueSettings (for example plan.settings or "
            f"cx.staffing.queue_settings(queues, contacts)); got {type(settings).__name__}."
        )
    if isinstance(plan_or_frame, StaffingPlan):
        p = plan_or_frame
        staff = p.table
        every = every or p.every
        settings = settings or p.settings
        time_zone = time_zone or p.time_zone
    elif isinstance(plan_or_frame, pl.DataFrame):
        staff = plan_or_frame
    else:
        raise SchemaError(
            "backtest() takes a StaffingPlan or a frame series_id, ts, agents; got "
            f"{type(plan_or_frame).__name__}."
        )

    def setting(name: str) -> Any:
        if loose.get(name) is not None:
            return loose[name]
        return None if settings is None else getattr(settings, name)

    aht_seconds, sl_seconds, sl_target = (
        setting("aht_seconds"),
        setting("sl_seconds"),
        setting("sl_target"),
    )
    patience_seconds, concurrency = setting("patience_seconds"), setting("concurrency")
    need = {"series_id", "ts", agents_column}
    if not need <= set(staff.columns):
        raise SchemaError(f"the staffing frame needs the columns {sorted(need)}.")
    if sl_seconds is None or sl_target is None:
        raise OptionError(
            "backtest() of a staffing frame needs settings=QueueSettings(...) with sl_target and "
            "sl_seconds (or a StaffingPlan, which carries its own)."
        )
    if every is None:
        raise OptionError(
            f"backtest() of a staffing frame needs every=, the length of its intervals ({EVERY_FORMS})."
        )
    every = check_every(every)
    minutes = interval_minutes(every)
    concurrency = 1 if concurrency is None else concurrency
    staff = staff.select(
        pl.col("series_id").cast(pl.Utf8),
        (
            pl.col("ts").dt.convert_time_zone("UTC")
            if getattr(staff.schema["ts"], "time_zone", None)
            else pl.col("ts").dt.replace_time_zone("UTC")
        ).cast(UTC),
        pl.col(agents_column)
        .cast(pl.Float64)
        .fill_null(0.0)
        .round()
        .cast(pl.Int64)
        .alias("agents"),
    ).sort("series_id", "ts")
    if staff.height == 0:
        raise NotEnoughDataError("the staffing frame is empty: nothing to replay.")
    step = float(minutes) * 60.0
    start = staff["ts"].min()
    end = staff["ts"].max() + dt.timedelta(seconds=step)
    arrivals, is_contacts = _arrivals(actual, start, end, step)
    if arrivals.height == 0:
        raise NotEnoughDataError(
            f"backtest(): the actuals hold no arrivals in the plan's period {start:%Y-%m-%d %H:%M}"
            f" to {end:%Y-%m-%d %H:%M} UTC; they cover {_covered(actual)}."
        )
    n_slots = round((end - start).total_seconds() / step)
    results = []
    for i, sid in enumerate(staff["series_id"].unique(maintain_order=True).to_list()):
        s_rng = np.random.default_rng([seed, i])
        ids = np.array([sid])
        aht = (
            per_series(aht_seconds, ids, "aht_seconds", missing=np.nan)[0]
            if aht_seconds is not None
            else np.nan
        )
        t_sl = per_series(sl_seconds, ids, "sl_seconds")[0]
        target = per_series(sl_target, ids, "sl_target")[0]
        pat = (
            per_series(patience_seconds, ids, "patience_seconds", missing=np.inf)[0]
            if patience_seconds is not None
            else np.inf
        )
        conc = per_series(concurrency, ids, "concurrency")[0]
        mine = staff.filter(pl.col("series_id") == sid)
        slot_of = (
            ((mine["ts"] - start).dt.total_microseconds() / 1e6 / step)
            .round()
            .cast(pl.Int64)
            .to_numpy()
        )
        agents = np.zeros(n_slots)
        agents[slot_of] = mine["agents"].to_numpy()
        servers = np.floor(agents * conc + 1e-9).astype(np.int64)
        a = arrivals.filter(pl.col("series_id") == sid).sort(pl.all())
        if is_contacts:
            offset = np.sort(a["offset"].to_numpy())
            order = np.argsort(a["offset"].to_numpy(), kind="stable")
            handle = a["handle"].fill_null(np.nan).to_numpy()[order]
            known = handle[~np.isnan(handle)]
            gaps = np.isnan(handle)
            if gaps.any():
                handle[gaps] = (
                    s_rng.choice(known, gaps.sum())
                    if known.size
                    else draw_service(s_rng, _need(aht, sid), int(gaps.sum()), service)
                )
            seen = a.select(
                (pl.col("actual_answered") & (pl.col("actual_wait") <= t_sl)).alias("w"),
                pl.col("actual_abandoned").alias("g"),
            )
            actual_within = seen["w"].to_numpy(allow_copy=True)[order]
            actual_gone = seen["g"].to_numpy(allow_copy=True)[order]
        else:
            counts = a["n"].to_numpy()
            base = np.repeat(a["offset"].to_numpy(), counts)
            offset = np.sort(base + s_rng.random(base.size) * step)
            handle = draw_service(s_rng, _need(aht, sid), offset.size, service)
            actual_within = actual_gone = np.full(offset.size, None)
        patience = (
            s_rng.exponential(pat, offset.size)
            if np.isfinite(pat)
            else np.full(offset.size, np.inf)
        )
        slot = np.minimum((offset // step).astype(np.int64), n_slots - 1)
        out = fifo_queue(
            offset, handle, patience, slot=slot, servers=servers, interval_seconds=step
        )
        answered = ~out.abandoned
        within = answered & (out.wait <= t_sl)
        results.append(
            pl.DataFrame(
                {
                    "series_id": sid,
                    "slot": slot,
                    "answered": answered,
                    "within": within,
                    "abandoned": out.abandoned,
                    "wait_answered": np.where(answered, out.wait, 0.0),
                    "actual_within": pl.Series(actual_within, dtype=pl.Boolean),
                    "actual_gone": pl.Series(actual_gone, dtype=pl.Boolean),
                }
            )
            .group_by("series_id", "slot")
            .agg(
                pl.len().alias("offered"),
                pl.col("answered").sum(),
                pl.col("within").sum().alias("answered_within_sl"),
                pl.col("abandoned").sum(),
                pl.col("wait_answered").sum(),
                pl.col("actual_within").sum().alias("actual_within_sl"),
                pl.col("actual_gone").sum().alias("actual_abandoned"),
                pl.col("actual_within").is_null().any().alias("unobserved"),
            )
            .with_columns(
                pl.lit(t_sl).alias("sl_seconds"),
                pl.lit(target).alias("sl_target"),
                pl.lit(bool(np.isfinite(pat))).alias("can_abandon"),
            )
        )
    grid = staff.with_columns(
        ((pl.col("ts") - start).dt.total_microseconds() / 1e6 / step)
        .round()
        .cast(pl.Int64)
        .alias("slot")
    )
    sims = pl.concat(results) if results else None
    intervals = (
        grid.join(
            sims.drop("sl_seconds", "sl_target", "can_abandon"),
            on=["series_id", "slot"],
            how="full",
            coalesce=True,
        )
        .with_columns(
            pl.col("ts").fill_null(
                pl.lit(start, UTC) + pl.duration(microseconds=pl.col("slot") * int(step * 1e6))
            ),
            pl.col("agents").fill_null(0),
            pl.col("offered", "answered", "answered_within_sl", "abandoned")
            .fill_null(0)
            .cast(pl.Int64),
            pl.col("actual_within_sl", "actual_abandoned").fill_null(0),
            pl.col("wait_answered").fill_null(0.0),
            pl.col("unobserved").fill_null(False),
        )
        .sort("series_id", "ts")
    )
    params = sims.group_by("series_id").agg(
        pl.col("sl_seconds", "sl_target", "can_abandon").first()
    )
    intervals = intervals.join(params, on="series_id", how="left")
    intervals = (
        _rates(intervals)
        .with_columns((pl.col("service_level") >= pl.col("sl_target")).alias("met"))
        .drop("slot")
    )
    per = intervals.group_by("series_id").agg(
        pl.col("offered", "answered", "answered_within_sl", "abandoned", "wait_answered").sum(),
        pl.col("actual_within_sl", "actual_abandoned").sum(),
        pl.col("unobserved").any(),
        pl.col("sl_seconds", "sl_target", "can_abandon").first(),
        (pl.col("offered") > 0).sum().alias("intervals"),
        pl.col("met").filter(pl.col("offered") > 0).mean().alias("share_intervals_met"),
        (pl.col("agents") * float(minutes) / 60.0).sum().alias("agent_hours"),
    )
    everything = per.select(
        pl.lit("all").alias("series_id"),
        pl.col("offered", "answered", "answered_within_sl", "abandoned", "wait_answered").sum(),
        pl.col("actual_within_sl", "actual_abandoned").sum(),
        pl.col("unobserved").any(),
        pl.lit(None, pl.Float64).alias("sl_seconds"),
        pl.lit(None, pl.Float64).alias("sl_target"),
        pl.col("can_abandon").any(),
        pl.col("intervals").sum(),
        pl.lit(None, pl.Float64).alias("share_intervals_met"),
        pl.col("agent_hours").sum(),
    )
    totals = _rates(
        pl.concat([per.sort("series_id"), everything], how="vertical_relaxed")
    ).with_columns(
        (pl.col("service_level") >= pl.col("sl_target")).alias("met"),
        pl.when(~pl.col("unobserved") & (pl.col("offered") > 0))
        .then(pl.col("actual_within_sl") / pl.col("offered"))
        .alias("actual_service_level"),
        pl.when(~pl.col("unobserved") & (pl.col("offered") > 0))
        .then(pl.col("actual_abandoned") / pl.col("offered"))
        .alias("actual_abandonment_rate"),
    )
    totals = totals.select(
        "series_id",
        "offered",
        "answered",
        "abandoned",
        "service_level",
        "sl_target",
        "sl_seconds",
        "met",
        "asa",
        "abandonment_rate",
        "intervals",
        "share_intervals_met",
        "agent_hours",
        "actual_service_level",
        "actual_abandonment_rate",
        "can_abandon",
    )
    ids = totals.filter(pl.col("series_id") != "all")["series_id"].to_list()
    limits: dict[str, float] = {}
    if abandonment_target is not None:
        if isinstance(abandonment_target, Mapping):
            limits = {k: float(v) for k, v in abandonment_target.items() if k in ids}
        else:
            limits = dict.fromkeys(ids, float(abandonment_target))
    return StaffingBacktest(
        intervals=intervals.select(
            "series_id",
            "ts",
            "agents",
            "offered",
            "answered",
            "answered_within_sl",
            "abandoned",
            "service_level",
            "asa",
            "abandonment_rate",
            "sl_target",
            "met",
        ),
        totals=totals,
        interval_minutes=float(minutes),
        seed=seed,
        time_zone=time_zone,
        abandonment_target=limits,
    )


def abandonment_targets(targets: Any, queues: Any) -> dict[str, float]:
    """Each queue's upper limit on abandonment from the workspace's targets table (``kpi``
    ``abandonment_rate`` with direction ``<=``; scope ``all``, ``channel=...`` or
    ``queue=...``, the narrowest scope winning) and the queues table (``queue, channel``)."""
    if isinstance(targets, pl.LazyFrame):
        targets = targets.collect()
    if isinstance(queues, pl.LazyFrame):
        queues = queues.collect()
    rows = targets.filter((pl.col("kpi") == "abandonment_rate") & (pl.col("direction") == "<="))
    channel_of = dict(zip(queues["queue"].to_list(), queues["channel"].to_list(), strict=True))
    out: dict[str, tuple[int, float]] = {}
    for r in rows.iter_rows(named=True):
        scope = str(r["scope"])
        for queue, channel in channel_of.items():
            rank = None
            if scope == "all":
                rank = 0
            elif scope == f"channel={channel}":
                rank = 1
            elif scope == f"queue={queue}":
                rank = 2
            if rank is not None and rank >= out.get(queue, (-1, 0.0))[0]:
                out[queue] = (rank, float(r["target"]))
    return {q: v for q, (_rank, v) in out.items()}


def _need(aht: float, sid: str) -> float:
    if not np.isfinite(aht):
        raise OptionError(
            f"aht_seconds is needed for series {sid!r} (no actual handle times to replay)."
        )
    return float(aht)


def _rates(frame: pl.DataFrame) -> pl.DataFrame:
    offered = pl.col("offered").cast(pl.Float64)
    return frame.with_columns(
        pl.when(offered > 0)
        .then(pl.col("answered_within_sl") / offered)
        .otherwise(None)
        .alias("service_level"),
        pl.when(pl.col("answered") > 0)
        .then(pl.col("wait_answered") / pl.col("answered"))
        .otherwise(None)
        .alias("asa"),
        pl.when(offered > 0)
        .then(pl.col("abandoned") / offered)
        .otherwise(None)
        .alias("abandonment_rate"),
    )
