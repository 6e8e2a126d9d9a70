"""Results of forecasting: backtest accuracy and the forecast of every series, shown the house way."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cxlab._errors import OptionError
from cxlab._options import renamed, warn_renamed
from cxlab._present import (
    N_,
    Headline,
    _,
    fmt_date,
    fmt_period,
    fmt_value,
    interval_words,
    label,
    ngettext,
)
from cxlab._result import Result
from cxlab.forecast._components import ForecastComponents
from cxlab.forecast._words import event_name
from cxlab.viz import band_polygon, closed_hours, date_ticks, fade, step_of, with_gaps

BASELINE = "seasonal_naive_week"
BUSIEST = {
    15: N_("Busiest quarter-hour"),
    30: N_("Busiest half-hour"),
    60: N_("Busiest hour"),
}
ERROR_PER = {
    15: N_("Forecast error per quarter-hour"),
    30: N_("Forecast error per half-hour"),
    60: N_("Forecast error per hour"),
}


def compare_words(error: float, baseline: float) -> str:
    """How an error compares with repeating last week's same weekday, in words."""
    if not (np.isfinite(error) and np.isfinite(baseline)) or baseline <= 0:
        return _("no comparison with repeating last week")
    ratio = error / baseline
    amount = fmt_value(abs(1 - ratio), "share", decimals=0)
    if ratio < 0.995:
        return _("{n} less error than repeating last week").format(n=amount)
    if ratio > 1.005:
        return _("{n} more error than repeating last week").format(n=amount)
    return _("as accurate as repeating last week")


@dataclass(frozen=True)
class BacktestResult(Result):
    """Rolling-origin forecasts beside the actuals, and their accuracy per series and model."""

    frame: pl.DataFrame
    accuracy: pl.DataFrame
    horizon: int
    """Days ahead each origin forecast."""
    origins: int
    levels: tuple[int, ...] = (80, 95)
    expected_days: int | None = None
    """Series x target days with actuals the origins had to forecast (``None``: not counted)."""
    unscored: pl.DataFrame | None = None
    """``series_id, cutoff, day, model`` of target days with actuals a model did not forecast."""

    @property
    def scored_days(self) -> int:
        """Series x days scored by every model (equals :attr:`expected_days` when none is missing)."""
        days = self.frame.select("series_id", pl.col("ts").dt.date(), "model").unique()
        per_model = days.group_by("model").len()["len"]
        return int(per_model.min()) if len(per_model) else 0

    @property
    def horizon_days(self) -> int:
        """Deprecated name of :attr:`horizon`."""
        warn_renamed("BacktestResult.horizon_days", "horizon")
        return self.horizon

    @property
    def title(self) -> str:
        if self.horizon == 7:
            return _("Week-ahead backtest over {n} past weeks").format(n=self.origins)
        if self.horizon == 1:
            return _("Day-ahead backtest over {n} past days").format(n=self.origins)
        return _("{h}-day-ahead backtest from {n} past dates").format(
            h=self.horizon, n=self.origins
        )

    def summary(self) -> pl.DataFrame:
        """Accuracy per series and model (lower MASE, WAPE, RMSE are better; coverage near nominal)."""
        return self.accuracy

    def overall(self) -> pl.DataFrame:
        """Accuracy pooled over all series, per model."""
        f = self.frame.with_columns((pl.col("y") - pl.col("y_hat")).alias("_e"))
        aggs = [
            pl.len().alias("n"),
            (pl.col("_e").abs().sum() / pl.col("y").sum()).alias("wape"),
            (pl.col("_e") ** 2).mean().sqrt().alias("rmse"),
        ]
        for lv in self.levels:
            inside = (pl.col("y") >= pl.col(f"y_lo_{lv}")) & (pl.col("y") <= pl.col(f"y_hi_{lv}"))
            aggs.append(inside.mean().alias(f"coverage_{lv}"))
        return f.group_by("model").agg(aggs).sort("wape")

    def best(self) -> dict[str, str]:
        """The model with the lowest MASE per series (the selection a refresh uses)."""
        ranked = (
            self.accuracy.sort(["series_id", "mase"])
            .group_by("series_id", maintain_order=True)
            .first()
        )
        return dict(zip(ranked["series_id"], ranked["model"], strict=True))

    def findings(self) -> list[str]:
        out = []
        overall = self.overall()
        base = overall.filter(pl.col("model") == BASELINE)
        for row in overall.iter_rows(named=True):
            if row["model"] == BASELINE or base.is_empty():
                continue
            out.append(
                _(
                    "{method}: in a typical time slot the forecast was off by {wape} of the "
                    "contacts that came; repeating the same weekday of the week before was off "
                    "by {naive} ({comparison})."
                ).format(
                    method=label(row["model"]),
                    wape=fmt_value(row["wape"], "share", decimals=0),
                    naive=fmt_value(base["wape"][0], "share", decimals=0),
                    comparison=compare_words(row["wape"], base["wape"][0]),
                )
            )
        for row in overall.iter_rows(named=True):
            if {80, 95} <= set(self.levels):
                out.append(
                    _(
                        "{method}: {cov80} of actual counts fell inside the 80% range and "
                        "{cov95} inside the 95% range, over {n} time slots."
                    ).format(
                        method=label(row["model"]),
                        cov80=fmt_value(row["coverage_80"], "share", decimals=0),
                        cov95=fmt_value(row["coverage_95"], "share", decimals=0),
                        n=fmt_value(row["n"], "count"),
                    )
                )
        if self.unscored is not None and not self.unscored.is_empty():
            for (model,), part in self.unscored.group_by(["model"], maintain_order=True):
                n = part.select("series_id", "day").unique().height
                out.append(
                    _(
                        "{method}: days with actual contacts that were not forecast, and are left "
                        "out of its accuracy: {n}."
                    ).format(method=label(model), n=fmt_value(n, "count"))
                )
        return out

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.viz import COLORS

        acc = self.accuracy
        fig = go.Figure()
        for model in acc["model"].unique(maintain_order=True).to_list():
            part = acc.filter(pl.col("model") == model)
            color = COLORS["muted"] if model == BASELINE else COLORS["periods"]["forecast"]
            fig.add_bar(
                x=[label(s) for s in part["series_id"].to_list()],
                y=part["mase"].to_list(),
                name=label(model),
                marker_color=color,
                hovertemplate="%{x}: %{y:.2f}<extra></extra>",
            )
        # the benchmark line is named in the legend, where no bar can touch its label
        fig.add_hline(y=1.0, line=dict(color=COLORS["muted"], dash="dot", width=1.5))
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="lines",
                line=dict(color=COLORS["muted"], dash="dot", width=1.5),
                name=_("1 = as accurate as repeating last week, within the history"),
                hoverinfo="skip",
            )
        )  # fmt: skip
        fig.update_layout(
            title=_("Scaled error by queue (lower is better; below 1 beats repeating last week)"),
            barmode="group",
            yaxis_title=_("Scaled error (MASE)"),
            legend=dict(y=1.02),
            margin=dict(t=110),
        )
        return fig


@dataclass(frozen=True)
class ForecastResult(Result):
    """Forecasts per series (``frame``: ``series_id, level, ts, model, y_hat`` and bands), with the
    recent history, the backtest that chose each model, the events to mark, and what the chosen
    models are made of (``profiles``: typical contacts per weekday and interval; ``effects``: the
    calendar effects, see :meth:`components`)."""

    frame: pl.DataFrame
    history: pl.DataFrame
    choice: dict[str, str] = field(default_factory=dict)
    backtest: BacktestResult | None = None
    events: pl.DataFrame | None = None
    levels: tuple[int, ...] = (80, 95)
    profiles: pl.DataFrame | None = None
    effects: pl.DataFrame | None = None
    hierarchy: dict[str, tuple[str, ...]] | None = None

    @property
    def title(self) -> str:
        return _("Contact volume forecast")

    def summary(self) -> pl.DataFrame:
        """The forecast frame (what staffing plans take)."""
        return self.frame

    @property
    def every(self) -> str:
        """The forecast's grain: ``"15m"``, ``"30m"`` or ``"1h"``."""
        m = round(self.interval_minutes)
        return f"{m // 60}h" if m % 60 == 0 else f"{m}m"

    @property
    def interval_minutes(self) -> float:
        """Length of the forecast intervals, in minutes."""
        first = self.frame["series_id"][0] if self.frame.height else None
        ts = self.frame.filter(pl.col("series_id") == first)["ts"].sort().to_list()
        step = step_of(ts)
        return step.total_seconds() / 60 if step else 30.0

    def daily(self) -> pl.DataFrame:
        """Daily totals of the interval forecasts (the same numbers, summed: coherent by construction)."""
        return (
            self.frame.group_by(["series_id", "level", pl.col("ts").dt.date().alias("day")])
            .agg(pl.col("y_hat").sum())
            .sort(["level", "series_id", "day"])
        )

    def daily_whole(self) -> pl.DataFrame:
        """:meth:`daily` in whole contacts that still add up: the days' totals are rounded so
        they sum to the rounded total of the whole period, each day's channels so they sum to
        the day's total, and each channel's queues so they sum to the channel (largest-remainder
        rounding at every step). ``series_id, level, day, y_hat`` (integers)."""
        d = self.daily()
        if d.is_empty():
            return d.with_columns(pl.col("y_hat").cast(pl.Int64))
        exact = {(r["series_id"], r["day"]): r["y_hat"] for r in d.iter_rows(named=True)}
        level_of = dict(zip(d["series_id"], d["level"], strict=False))
        days = sorted(d["day"].unique().to_list())
        whole: dict[tuple[str, dt.date], int] = {}
        children = self._children(level_of)
        if "total" in level_of:
            totals = largest_remainder([exact[("total", day)] for day in days])
            whole |= {("total", day): v for day, v in zip(days, totals, strict=True)}
        for day in days:
            parents = ["total"] if "total" in level_of else []
            seen = set(parents)
            while parents:
                parent = parents.pop(0)
                kids = [k for k in children.get(parent, ()) if (k, day) in exact and k not in seen]
                if not kids:
                    continue
                shares = largest_remainder(
                    [exact[(k, day)] for k in kids], total=whole.get((parent, day))
                )
                whole |= {(k, day): v for k, v in zip(kids, shares, strict=True)}
                seen |= set(kids)
                parents += kids
            for sid in level_of:  # series outside the hierarchy: plain rounding
                if (sid, day) in exact and (sid, day) not in whole:
                    whole[(sid, day)] = round(exact[(sid, day)])
        return d.with_columns(
            pl.Series(
                "y_hat",
                [whole[(s, day)] for s, day in zip(d["series_id"], d["day"], strict=True)],
                dtype=pl.Int64,
            )
        )

    def _children(self, level_of: dict[str, str]) -> dict[str, list[str]]:
        """Each series' direct members: the total holds the channels (or the queues when there
        are no channels), a channel holds its queues."""
        hierarchy = self.hierarchy or {}
        channels = [s for s, lv in level_of.items() if lv == "channel"]
        queues = [s for s, lv in level_of.items() if lv == "queue"]
        out: dict[str, list[str]] = {"total": channels or queues}
        for ch in channels:
            out[ch] = [q for q in hierarchy.get(ch, ()) if q in level_of and q != ch]
        return out

    @renamed(level="by")
    def daily_table(self, by: str = "channel") -> pl.DataFrame:
        """Contacts expected per day (rows) and series of ``by`` (columns: ``queue``, ``channel``
        or ``total``), with the total: whole contacts that add up across each row and to the
        period's total (see :meth:`daily_whole`), channels in business order, days with their
        weekday."""
        from cxlab._present import ORDERS

        level = self._check_by(by, "daily_table")
        d = self.daily_whole().filter(pl.col("level").is_in([level, "total"]))
        if d.is_empty():
            return pl.DataFrame()
        members = d.filter(pl.col("level") == level)["series_id"].unique(maintain_order=True)
        rank = {v: i for i, v in enumerate(ORDERS.get("channel", ()))}
        members = sorted(members.to_list(), key=lambda s: (rank.get(s.split("_")[0], 99), s))
        order = [*members, *(["total"] if level != "total" else [])]
        wide = d.pivot(on="series_id", index="day", values="y_hat").sort("day")
        present = [c for c in order if c in wide.columns]
        days = [fmt_date(v, weekday=True) for v in wide["day"].to_list()]
        return wide.select(
            pl.Series("date", days, dtype=pl.Utf8),
            *present,
        )

    def _check_by(self, by: str, func: str) -> str:
        levels = self.frame["level"].unique().sort().to_list()
        if by not in levels:
            raise OptionError(
                f"{func}(by={by!r}): the forecast has the levels {levels}; choose one of them."
            )
        return by

    @renamed(level="by")
    def level_frame(self, by: str = "queue") -> pl.DataFrame:
        """The forecasts of one level (``by``: ``queue``, ``channel`` or ``total``): ``series_id,
        ts, model, y_hat`` and bands, the frame :func:`cxlab.staffing.plan` takes."""
        return self.frame.filter(pl.col("level") == self._check_by(by, "level_frame")).drop("level")

    def past_forecast(self) -> pl.DataFrame:
        """What the chosen models forecast at the last backtest origin, for a period now known:
        the frame to replay in a staffing backtest (``series_id, ts, model, y_hat`` and bands)."""
        if self.backtest is None:
            return self.frame.clear().drop("level")
        bt = self.backtest.frame
        last = bt["cutoff"].max()
        chosen = pl.DataFrame({"series_id": list(self.choice), "model": list(self.choice.values())})
        past = bt.filter(pl.col("cutoff") == last).join(chosen, on=["series_id", "model"])
        bands = [f"y_{b}_{lv}" for lv in self.levels for b in ("lo", "hi")]
        extra = ["open_minutes"] if "open_minutes" in past.columns else []
        return past.select("series_id", "ts", "model", "y_hat", *bands, *extra).sort(
            "series_id", "ts"
        )

    def _chosen_backtest(self) -> pl.DataFrame:
        chosen = pl.DataFrame({"series_id": list(self.choice), "model": list(self.choice.values())})
        return self.backtest.frame.join(chosen, on=["series_id", "model"])

    def metrics(self) -> dict:
        """Headline numbers: contacts over the horizon, the busiest total interval with its 80%
        range, and the backtest's pooled WAPE (chosen models and weekly seasonal naive), the error
        of daily and of whole-horizon totals, and the coverage of the chosen models' bands."""
        total = self.frame.filter(pl.col("level") == "total")
        out: dict = {"contacts": float(total["y_hat"].sum())}
        if not total.is_empty():
            peak = total.sort("y_hat", descending=True).row(0, named=True)
            out |= {
                "peak_ts": peak["ts"],
                "peak_y_hat": peak["y_hat"],
                "peak_lo_80": peak["y_lo_80"],
                "peak_hi_80": peak["y_hi_80"],
                "first_day": total["ts"].min().date(),
                "last_day": total["ts"].max().date(),
            }
        if self.backtest is not None:
            bt = self.backtest.frame
            mine = self._chosen_backtest()
            naive = bt.filter(pl.col("model") == BASELINE)
            wape = lambda f: float((f["y"] - f["y_hat"]).abs().sum() / f["y"].sum())  # noqa: E731
            out |= {"wape": wape(mine), "wape_naive": wape(naive) if naive.height else float("nan")}
            for lv in self.levels:
                out[f"coverage_{lv}"] = coverage(mine, lv)
            days = mine.group_by(pl.col("ts").dt.date()).agg(pl.col("y", "y_hat").sum())
            out["wape_daily"] = wape(days)
            runs = mine.group_by("cutoff").agg(pl.col("y", "y_hat").sum())
            out["total_error"] = float(((runs["y_hat"] - runs["y"]).abs() / runs["y"]).mean())
        return out

    def headline(self) -> list[Headline]:
        """Cards: contacts expected, the busiest interval with its 80% range, the forecast's error."""
        m = self.metrics()
        period = None
        if "first_day" in m:
            end = m["last_day"] + dt.timedelta(days=1)
            period = (m["first_day"].isoformat(), end.isoformat())
        total_words = None
        if "total_error" in m and self.backtest is not None:
            total_words = self._total_error_words(m, sentence=False)
        cards = [
            Headline(
                key="contacts_forecast",
                label=N_("Contacts expected"),
                value=m["contacts"],
                unit="count",
                period=period,
                detail=total_words,
            )
        ]
        minutes = round(self.interval_minutes)
        if "peak_ts" in m:
            cards.append(
                Headline(
                    key="peak_interval_contacts",
                    label=BUSIEST.get(minutes, N_("Busiest interval")),
                    value=m["peak_y_hat"],
                    unit="count",
                    low=m["peak_lo_80"],
                    high=m["peak_hi_80"],
                    period=period,
                    detail=_("{when}; 8 times in 10 the count falls in this range").format(
                        when=fmt_date(m["peak_ts"], with_time=True, weekday=True)
                    ),
                )
            )
        if "wape" in m:
            cards.append(
                Headline(
                    key="forecast_error",
                    label=ERROR_PER.get(minutes, N_("Forecast error per time slot")),
                    value=m["wape"],
                    unit="share",
                    decimals=0,
                    period=self._backtest_period(),
                    detail=compare_words(m["wape"], m["wape_naive"]),
                )
            )
        return cards

    def _backtest_period(self) -> tuple[str, str] | None:
        """The days the backtest's error was measured on (its past weeks, not the forecast's):
        the first and the day after the last, as ISO dates."""
        days = self._chosen_backtest()["ts"].dt.date()
        if days.is_empty():
            return None
        return days.min().isoformat(), (days.max() + dt.timedelta(days=1)).isoformat()

    def _total_error_words(self, m: dict, *, sentence: bool) -> str:
        """How far past forecasts of the whole horizon's total were off: the one accuracy figure
        of the tile and of the findings (``sentence`` gives it capitalised with a full stop)."""
        week = self.backtest is not None and self.backtest.horizon == 7
        if sentence:
            text = (
                _("Past forecasts of a week's total were off by {error} on average.")
                if week
                else _("Past forecasts of the total were off by {error} on average.")
            )
        else:
            text = (
                _("past forecasts of a week's total were off by {error} on average")
                if week
                else _("past forecasts of the total were off by {error} on average")
            )
        return text.format(error=fmt_value(m["total_error"], "share", decimals=0))

    @renamed(level="by")
    def peaks(self, n: int = 5, *, by: str = "total") -> pl.DataFrame:
        """The ``n`` busiest forecast intervals of the series at level ``by``."""
        level = self._check_by(by, "peaks")
        return self.frame.filter(pl.col("level") == level).sort("y_hat", descending=True).head(n)

    @renamed(level="by")
    def busiest(self, n: int = 10, *, by: str = "total") -> pl.DataFrame:
        """The ``n`` busiest intervals for a report: when, the contacts expected and the 80% range."""
        rows = self.peaks(n, by=by)
        when = [fmt_date(t, with_time=True, weekday=True) for t in rows["ts"].to_list()]
        return rows.select(
            pl.Series("interval", when, dtype=pl.Utf8),
            *[pl.col(c).round().cast(pl.Int64) for c in ("y_hat", "y_lo_80", "y_hi_80")],
        )

    def components(self, series_id: str = "total") -> ForecastComponents:
        """What the forecast of ``series_id`` (a queue, a channel or ``total``) is made of: the
        typical day of each weekday, the typical week, and the calendar effects of its queues."""
        known = sorted(set(self.frame["series_id"].to_list()))
        if series_id not in known:
            raise OptionError(
                f"components(series_id={series_id!r}): no such series; the forecast has {known}."
            )
        members = (self.hierarchy or {}).get(series_id, (series_id,))
        profiles = self.profiles if self.profiles is not None else pl.DataFrame()
        effects = self.effects if self.effects is not None else pl.DataFrame()
        if profiles.height:
            profiles = (
                profiles.filter(pl.col("series_id").is_in(list(members)))
                .group_by("weekday", "minute")
                .agg(pl.col("expected").sum())
                .with_columns(pl.lit(series_id).alias("series_id"))
                .select("series_id", "weekday", "minute", "expected")
                .sort("weekday", "minute")
            )
        if effects.height:
            effects = effects.filter(pl.col("series_id").is_in(list(members)))
        from cxlab.forecast._components import EFFECT_SCHEMA, PROFILE_SCHEMA

        return ForecastComponents(
            series_id=series_id,
            profiles=profiles if profiles.width else pl.DataFrame(schema=PROFILE_SCHEMA),
            effects=effects if effects.width else pl.DataFrame(schema=EFFECT_SCHEMA),
            interval_minutes=self.interval_minutes,
        )

    def _events_ahead(self) -> list[tuple[str, dt.datetime]]:
        total = self.frame.filter(pl.col("level") == "total")
        if self.events is None or self.events.is_empty() or total.is_empty():
            return []
        lo, hi = total["ts"].min(), total["ts"].max()
        tz = getattr(self.frame.schema["ts"], "time_zone", None)
        ev = self.events
        if tz and getattr(ev.schema["start"], "time_zone", None):
            ev = ev.with_columns(pl.col("start", "end").dt.convert_time_zone(tz))
        ahead = ev.filter((pl.col("end") > lo) & (pl.col("start") <= hi)).sort("start")
        return [(r["name"], r["start"]) for r in ahead.iter_rows(named=True)]

    def findings(self) -> list[str]:
        """The volume ahead, its busiest interval, how accurate the forecast has been (in words)."""
        out = []
        m = self.metrics()
        interval = interval_words(self.interval_minutes)
        if "first_day" in m:
            end = m["last_day"] + dt.timedelta(days=1)
            out.append(
                _("About {n} contacts are expected across all queues, {period}.").format(
                    n=fmt_value(m["contacts"], "count"), period=fmt_period(m["first_day"], end)
                )
            )
            out.append(
                _(
                    "The busiest {interval} for contacts is {when}, with about {n} contacts; "
                    "8 times in 10 it will be between {low} and {high}."
                ).format(
                    interval=interval,
                    when=fmt_date(m["peak_ts"], with_time=True, weekday=True),
                    n=fmt_value(m["peak_y_hat"], "count"),
                    low=fmt_value(m["peak_lo_80"], "count"),
                    high=fmt_value(m["peak_hi_80"], "count"),
                )
            )
        for name, start in self._events_ahead():
            out.append(
                _(
                    "{event} ({date}) falls in the forecast period; its usual effect is included."
                ).format(event=event_name(name), date=fmt_date(start))
            )
        if "wape" in m and self.backtest is not None:
            weeks = self.backtest.origins
            words = {
                "n": weeks,
                "interval": interval,
                "wape": fmt_value(m["wape"], "share", decimals=0),
                "comparison": compare_words(m["wape"], m["wape_naive"]),
                "total": self._total_error_words(m, sentence=True),
            }
            if self._chance_dominates(m["wape"]):
                text = ngettext(
                    "Tested on the last {n} forecast made a week ahead, the volume of an "
                    "average {interval} was missed by {wape} ({comparison}): a {interval} "
                    "holds few contacts, so chance alone moves it a lot. {total}",
                    "Tested on the last {n} forecasts made a week ahead, the volume of an "
                    "average {interval} was missed by {wape} ({comparison}): a {interval} "
                    "holds few contacts, so chance alone moves it a lot. {total}",
                    weeks,
                )
            else:
                text = ngettext(
                    "Tested on the last {n} forecast made a week ahead, the volume of an "
                    "average {interval} was missed by {wape} ({comparison}). {total}",
                    "Tested on the last {n} forecasts made a week ahead, the volume of an "
                    "average {interval} was missed by {wape} ({comparison}). {total}",
                    weeks,
                )
            out.append(text.format(**words))
            out += self._coverage_words(m.get("coverage_80"), m.get("coverage_95"))
        return out

    def _chance_dominates(self, wape: float) -> bool:
        """Whether Poisson noise alone explains at least half of the interval error: with ``m``
        contacts expected, chance misses by about sqrt(2 m / pi), a share 0.8 / sqrt(m)."""
        queue = self.frame.filter(pl.col("level") == "queue")["y_hat"]
        mean = float(queue.mean()) if queue.len() else 0.0
        return mean <= 0 or 0.8 / mean**0.5 >= 0.5 * wape

    @staticmethod
    def _coverage_words(cov80: float | None, cov95: float | None) -> list[str]:
        """Whether the bands held in the backtest, level by level (within 3 points is held)."""
        if cov80 is None or cov95 is None:
            return []

        def state(cov: float, nominal: float) -> str:
            return "ok" if abs(cov - nominal) <= 0.03 else ("narrow" if cov < nominal else "wide")

        words = {
            "cov80": fmt_value(cov80, "share", decimals=0),
            "cov95": fmt_value(cov95, "share", decimals=0),
        }
        s80, s95 = state(cov80, 0.80), state(cov95, 0.95)
        if s80 == s95:
            text = {
                "ok": _(
                    "The ranges can be trusted: {cov80} of actual counts fell inside the "
                    "80% range and {cov95} inside the 95% range."
                ),
                "narrow": _(
                    "The ranges are too narrow: only {cov80} of actual counts fell inside "
                    "the 80% range and {cov95} inside the 95% range; expect more spread "
                    "than they show."
                ),
                "wide": _(
                    "The ranges are wider than needed: {cov80} of actual counts fell "
                    "inside the 80% range and {cov95} inside the 95% range."
                ),
            }[s80]
            return [text.format(**words)]
        each = {
            "ok": _("The {level} ranges can be trusted: {cov} of actual counts fell inside them."),
            "narrow": _(
                "The {level} ranges are too narrow: only {cov} of actual counts fell inside them."
            ),
            "wide": _(
                "The {level} ranges are wider than needed: {cov} of actual counts fell inside them."
            ),
        }
        return [
            " ".join(
                each[st].format(level=fmt_value(lv / 100, "share", decimals=0), cov=words[key])
                for st, lv, key in ((s80, 80, "cov80"), (s95, 95, "cov95"))
            )
        ]

    def methods(self) -> list[str]:
        """Which method forecasts each queue, chosen on its own backtest (for an appendix)."""
        counts: dict[str, list[str]] = {}
        for sid, model in self.choice.items():
            counts.setdefault(model, []).append(sid)
        out = []
        for model, sids in counts.items():
            if len(sids) == len(self.choice) and len(sids) > 1:
                text = _("{method}: chosen for every queue ({n}).").format(
                    method=label(model), n=len(sids)
                )
            else:
                text = _("{method}: chosen for {queues}.").format(
                    method=label(model), queues=_("; ").join(label(s) for s in sids)
                )
            out.append(text)
        out.append(
            _(
                "Each queue's candidates are refitted at past weekly dates and forecast the "
                "following week; the method with the lower scaled error forecasts the queue. "
                "Channel and total forecasts are sums of the queue forecasts; their ranges come "
                "from the summed past errors."
            )
        )
        return out

    def _series_words(self, sid: str) -> str:
        return _("all queues") if sid == "total" else label(sid)

    def _traces(self, fig, sid: str, color: str, *, row=None, col=None, legend: bool = True):
        """History, the 80% and 95% ranges and the forecast of one series, broken where closed."""
        import plotly.graph_objects as go

        from cxlab.viz import COLORS, compact_times, compact_values

        fc = _naive(self.frame.filter(pl.col("series_id") == sid).sort("ts"))
        hist = _naive(self.history.filter(pl.col("series_id") == sid).sort("ts"))
        where = {} if row is None else {"row": row, "col": col}
        x = fc["ts"].to_list()
        step = step_of(x) or step_of(hist["ts"].to_list())
        for lv, alpha in zip(sorted(self.levels, reverse=True), (0.13, 0.28), strict=False):
            name = _("{level}% range").format(level=lv)
            xs, ys = band_polygon(
                x, fc[f"y_lo_{lv}"].to_list(), fc[f"y_hi_{lv}"].to_list(), step=step
            )
            fig.add_trace(
                go.Scatter(
                    x=compact_times(xs), y=compact_values(ys, 1), mode="lines",
                    line=dict(width=0), fill="toself", fillcolor=fade(color, alpha), name=name,
                    legendgroup=name, showlegend=legend, hoverinfo="skip",
                ),
                **where,
            )  # fmt: skip
        hx, hy = with_gaps(hist["ts"].to_list(), hist["y"].to_list(), step=step)
        fig.add_trace(
            go.Scatter(
                x=compact_times(hx),
                y=compact_values(hy, 1),
                mode="lines",
                name=_("Actual"),
                legendgroup="actual",
                showlegend=legend,
                line=dict(color=COLORS["muted"], width=1.2),
                connectgaps=False,
                hovertemplate="%{x|%H:%M}: %{y:,.0f}<extra></extra>",
            ),
            **where,
        )
        fx, fy = with_gaps(x, fc["y_hat"].to_list(), step=step)
        fig.add_trace(
            go.Scatter(
                x=compact_times(fx), y=compact_values(fy, 1), mode="lines", name=_("Forecast"),
                legendgroup="forecast",
                showlegend=legend, line=dict(color=color, width=2), connectgaps=False,
                hovertemplate="%{x|%H:%M}: %{y:,.0f}<extra></extra>",
            ),
            **where,
        )  # fmt: skip
        breaks = closed_hours([*hist["ts"].to_list(), *x])
        # the date labels sit a little lower, clear of the "0" of the contacts axis
        fig.update_xaxes(
            type="date", rangebreaks=breaks, tickformat=date_ticks(), ticklabelstandoff=8, **where
        )
        return x, hist

    def plot(self, series_id: str | None = None):
        """Contacts per interval of one series (default: all queues): the last two weeks, the
        forecast with its 80% and 95% ranges, gaps where the queues are closed, events shaded."""
        import plotly.graph_objects as go

        from cxlab.viz import color_for, safe_text

        sid = series_id or (
            "total" if "total" in self.frame["series_id"].to_list() else self.frame["series_id"][0]
        )
        color = (
            color_for(sid) if sid in ("phone", "chat", "email", "social") else color_for("forecast")
        )
        fig = go.Figure()
        x, hist = self._traces(fig, sid, color)
        if x:
            fig.add_shape(
                type="line", xref="x", yref="paper", x0=x[0], x1=x[0], y0=0, y1=1,
                line=dict(color="#5b6577", width=1, dash="dot"),
            )  # fmt: skip
            fig.add_annotation(
                x=x[0], y=1, xref="x", yref="paper", text=safe_text(_("Forecast starts")),
                showarrow=False, xanchor="left", yanchor="top", font=dict(size=11),
            )  # fmt: skip
        if self.events is not None and not self.events.is_empty() and x:
            tz = getattr(self.frame.schema["ts"], "time_zone", None)
            lo, hi = min(hist["ts"].min() or x[0], x[0]), x[-1]
            ev = self.events.with_columns(
                pl.col("start", "end").dt.convert_time_zone(tz or "UTC").dt.replace_time_zone(None)
            )
            for row in ev.iter_rows(named=True):
                if row["end"] > lo and row["start"] < hi:
                    fig.add_vrect(
                        x0=max(row["start"], lo),
                        x1=min(row["end"], hi),
                        fillcolor=color_for("compare"),
                        opacity=0.25,
                        line_width=0,
                        annotation_text=safe_text(event_name(row.get("name", row["kind"]))),
                        annotation_position="bottom left",
                        annotation_font_size=11,
                    )
        fig.update_layout(
            title=_("Contacts per {interval}: {series}").format(
                interval=interval_words(self.interval_minutes), series=self._series_words(sid)
            ),
            yaxis_title=_("Contacts"),
            yaxis_rangemode="tozero",
            hovermode="x unified",
            margin=dict(t=100),
        )
        return fig

    def plot_channels(self):
        """One panel per channel (each on its own scale): the last two weeks and the forecast."""
        from plotly.subplots import make_subplots

        from cxlab._present import order_levels
        from cxlab.viz import color_for

        channels = (  # phone, chat, email, social
            order_levels(
                self.frame.filter(pl.col("level") == "channel")
                .select(pl.col("series_id").alias("channel"))
                .unique(maintain_order=True),
                "channel",
            )["channel"].to_list()
        )
        if not channels:
            return self.plot()
        fig = make_subplots(
            rows=len(channels),
            cols=1,
            shared_xaxes=False,
            vertical_spacing=0.08,
            subplot_titles=[label(c) for c in channels],
        )
        for i, ch in enumerate(channels, start=1):
            self._traces(fig, ch, color_for(ch, index=i), row=i, col=1, legend=i == 1)
            fig.update_yaxes(rangemode="tozero", title_text=_("Contacts"), row=i, col=1)
        fig.update_layout(
            title=_("Contacts per {interval}, by channel (each on its own scale)").format(
                interval=interval_words(self.interval_minutes)
            ),
            height=260 * len(channels) + 120,
            hovermode="x unified",
            margin=dict(t=110),
        )
        return fig


def largest_remainder(values: list[float], total: int | None = None) -> list[int]:
    """``values`` rounded to whole numbers that sum to ``total`` (default: the rounded sum):
    each is rounded down, then the largest remainders get the units still missing."""
    if not values:
        return []
    floors = [int(np.floor(v)) for v in values]
    target = round(sum(values)) if total is None else int(total)
    missing = target - sum(floors)
    order = sorted(range(len(values)), key=lambda i: values[i] - floors[i], reverse=True)
    if missing >= 0:
        for k in range(missing):
            floors[order[k % len(order)]] += 1
    else:  # a parent rounded below its members' floors: take from the smallest remainders
        for k in range(-missing):
            i = order[-1 - (k % len(order))]
            floors[i] -= 1
    return floors


def _naive(frame: pl.DataFrame) -> pl.DataFrame:
    if getattr(frame.schema["ts"], "time_zone", None):
        return frame.with_columns(pl.col("ts").dt.replace_time_zone(None))
    return frame


def coverage(frame: pl.DataFrame, level: int) -> float:
    """Share of actuals inside the ``level`` band of a backtest frame."""
    y = frame["y"].to_numpy()
    return float(
        np.mean((y >= frame[f"y_lo_{level}"].to_numpy()) & (y <= frame[f"y_hi_{level}"].to_numpy()))
    )
