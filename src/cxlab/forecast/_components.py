"""What a forecast is made of: the typical day of each weekday, the week, and the calendar effects.

The daily-total × profile method forecasts an interval as (the weekday's daily level) × (its
share of the day) × (the effects of the holidays and events that cover it). This view shows the
three parts as the fitted models hold them, summed over the queues of a series.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from cxlab._present import _, fmt_value, interval_words, label
from cxlab._result import Result
from cxlab.forecast._words import WEEKDAYS
from cxlab.viz import fade

PROFILE_SCHEMA = {
    "series_id": pl.Utf8,
    "weekday": pl.Int64,
    "minute": pl.Int64,
    "expected": pl.Float64,
}


def weekday_color(weekday: int) -> str:
    """The colour of a weekday's line: the theme's non-channel sequence (the weekend is dotted)."""
    from cxlab.viz import SEQUENCE

    return SEQUENCE[weekday % 7 % len(SEQUENCE)]


# one marker per queue, so queues of the same channel (and colour) can be told apart
QUEUE_SYMBOLS = (
    "circle", "square", "diamond", "triangle-up", "x", "star", "triangle-down", "cross", "pentagon",
)  # fmt: skip
EFFECT_SCHEMA = {
    "series_id": pl.Utf8,
    "term": pl.Utf8,
    "estimate": pl.Float64,
    "std_error": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "p_value": pl.Float64,
}


def model_components(model, series_id: str) -> dict:
    """The typical interval volumes by weekday and the effects table of a fitted model.

    Only the daily-total × profile method has them; other methods give empty frames.
    """
    state = getattr(model, "_states", {}).get(series_id)
    panel = getattr(model, "_panels", {}).get(series_id)
    rows = []
    if state is not None and hasattr(state, "profile") and panel is not None:
        for w, share in state.profile.items():
            level = state.level.get(w, 0.0)
            for minute, s in zip(panel.slots.tolist(), share.tolist(), strict=True):
                if s > 0:
                    rows.append((series_id, int(w), int(minute), float(level * s)))
    profiles = pl.DataFrame(rows, schema=PROFILE_SCHEMA, orient="row")
    effects = model.effects_table() if hasattr(model, "effects_table") else None
    if effects is None or effects.is_empty():
        effects = pl.DataFrame(schema=EFFECT_SCHEMA)
    else:
        effects = effects.filter(~pl.col("term").str.starts_with("weekday_"))
    return {"profiles": profiles, "effects": effects.select(list(EFFECT_SCHEMA))}


@dataclass(frozen=True)
class ForecastComponents(Result):
    """The parts of a forecast: ``profiles`` (``weekday, minute, expected``: typical contacts per
    interval before events, Monday = 0) and ``effects`` (per queue and calendar term, the rate
    ratio with its 95% interval)."""

    series_id: str
    profiles: pl.DataFrame
    effects: pl.DataFrame
    interval_minutes: float

    @property
    def title(self) -> str:
        return _("What the forecast is made of")

    def weekly(self) -> pl.DataFrame:
        """Typical contacts per day, by weekday (before holidays and events)."""
        return (
            self.profiles.group_by("weekday")
            .agg(pl.col("expected").sum())
            .sort("weekday")
            .with_columns(
                pl.col("weekday")
                .map_elements(lambda w: _(WEEKDAYS[w]), return_dtype=pl.Utf8)
                .alias("weekday_name")
            )
            .select("weekday_name", "expected")
        )

    def effect_table(self) -> pl.DataFrame:
        """Each calendar effect as a change in volume with its 95% range, per queue."""
        return self.effects.select(
            "series_id",
            "term",
            (pl.col("estimate") - 1).alias("effect"),
            (pl.col("ci_low") - 1).alias("effect_low"),
            (pl.col("ci_high") - 1).alias("effect_high"),
        ).sort("term", "series_id")

    def summary(self) -> pl.DataFrame:
        return self.weekly()

    def pooled_effects(self) -> pl.DataFrame:
        """Per term, the middle of the queues' effects and the range of their estimates."""
        return (
            self.effect_table()
            .group_by("term")
            .agg(
                pl.col("effect").median().alias("effect"),
                pl.col("effect").min().alias("effect_low"),
                pl.col("effect").max().alias("effect_high"),
                pl.len().alias("n"),
            )
            .sort("effect")
        )

    def findings(self) -> list[str]:
        out = []
        weekly = self.profiles.group_by("weekday").agg(pl.col("expected").sum()).sort("expected")
        if weekly.height >= 2:
            low, high = weekly.row(0, named=True), weekly.row(-1, named=True)
            out.append(
                _(
                    "{busy} is the busiest day of a typical week with about {high} contacts; "
                    "{quiet} the quietest with about {low}."
                ).format(
                    busy=_(WEEKDAYS[high["weekday"]]),
                    high=fmt_value(high["expected"], "count"),
                    quiet=_(WEEKDAYS[low["weekday"]]),
                    low=fmt_value(low["expected"], "count"),
                )
            )
        day = self.profiles.group_by("minute").agg(pl.col("expected").mean()).sort("expected")
        if day.height:
            peak = day.row(-1, named=True)["minute"]
            out.append(
                _("Within the day, the busiest {interval} usually starts at {time}.").format(
                    interval=interval_words(self.interval_minutes), time=_clock(peak)
                )
            )
        for row in self.pooled_effects().iter_rows(named=True):
            out.append(effect_words(label(row["term"]), row))
        return out

    def plot(self):
        """Three panels: the typical day of each weekday, the typical week, the calendar effects."""
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        from cxlab.viz import COLORS

        fig = make_subplots(
            rows=3,
            cols=1,
            vertical_spacing=0.12,
            subplot_titles=(
                _("A typical day, by weekday (contacts per {interval})").format(
                    interval=interval_words(self.interval_minutes)
                ),
                _("A typical week (contacts per day)"),
                _("Calendar effects on volume (each dot is a queue, bars its 95% range)"),
            ),
        )
        for w in sorted(self.profiles["weekday"].unique().to_list()):
            d = (
                self.profiles.filter(pl.col("weekday") == w)
                .group_by("minute")
                .agg(pl.col("expected").sum())
                .sort("minute")
            )
            x = [_time_of_day(m) for m in d["minute"].to_list()]
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=d["expected"].to_list(),
                    mode="lines",
                    name=_(WEEKDAYS[w]),
                    line=dict(
                        color=weekday_color(w), width=1.8, dash="dot" if w % 7 >= 5 else None
                    ),
                    legendgroup="weekday",
                    legend="legend",
                ),
                row=1,
                col=1,
            )
        weekly = self.weekly()
        fig.add_trace(
            go.Bar(
                x=weekly["weekday_name"].to_list(),
                y=weekly["expected"].to_list(),
                marker_color=COLORS["periods"]["forecast"],
                name=_("Contacts per day"),
                showlegend=False,
                hovertemplate="%{x}: %{y:,.0f}<extra></extra>",
            ),
            row=2,
            col=1,
        )
        eff = self.effect_table()
        terms = self.pooled_effects()["term"].to_list()
        for i, sid in enumerate(eff["series_id"].unique(maintain_order=True).to_list()):
            d = eff.filter(pl.col("series_id") == sid)
            fig.add_trace(
                go.Scatter(
                    x=(d["effect"] * 100).to_list(),
                    y=[label(t) for t in d["term"].to_list()],
                    mode="markers",
                    marker=dict(
                        color=_family_color(sid, i),
                        size=9,
                        symbol=QUEUE_SYMBOLS[i % len(QUEUE_SYMBOLS)],
                        line=dict(width=1, color="white"),
                    ),
                    error_x=dict(
                        type="data",
                        symmetric=False,
                        array=((d["effect_high"] - d["effect"]) * 100).to_list(),
                        arrayminus=((d["effect"] - d["effect_low"]) * 100).to_list(),
                        color=fade(_family_color(sid, i), 0.5),
                        thickness=1.2,
                    ),
                    name=label(sid),
                    legendgroup="queue",
                    legend="legend2",
                    hovertemplate="%{y}: %{x:+.0f}%<extra>" + label(sid) + "</extra>",
                ),
                row=3,
                col=1,
            )
        fig.add_vline(x=0, line=dict(color=COLORS["muted"], width=1), row=3, col=1)
        fig.update_yaxes(title_text=_("Contacts"), rangemode="tozero", row=1, col=1)
        fig.update_yaxes(title_text=_("Contacts"), rangemode="tozero", row=2, col=1)
        fig.update_yaxes(
            categoryorder="array", categoryarray=[label(t) for t in terms], row=3, col=1
        )
        fig.update_xaxes(title_text=_("Change in volume"), ticksuffix="%", row=3, col=1)
        fig.update_xaxes(tickformat="%H:%M", nticks=12, ticklabelstandoff=8, row=1, col=1)
        fig.update_layout(
            height=1150,
            # each panel its own legend: weekdays beside the typical day, queues beside the effects
            legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.02),
            legend2=dict(orientation="v", yanchor="top", y=0.26, xanchor="left", x=1.02),
            margin=dict(t=60, r=190),
        )
        return fig


def effect_words(term: str, row: dict) -> str:
    """An effect on volume in plain words: "usually 55% fewer contacts (49% to 58% fewer across
    queues)"; a range that crosses zero says "from 3% fewer to 12% more"."""

    def size(v: float) -> str:
        return fmt_value(abs(v), "share", decimals=0)

    def side(v: float) -> str:
        return _("{n} more").format(n=size(v)) if v >= 0 else _("{n} fewer").format(n=size(v))

    effect, low, high = row["effect"], row.get("effect_low"), row.get("effect_high")
    main = (
        _("{term}: usually {n} more contacts").format(term=term, n=size(effect))
        if effect >= 0
        else _("{term}: usually {n} fewer contacts").format(term=term, n=size(effect))
    )
    if row.get("n", 1) <= 1 or low is None or high is None:
        return _("{main}.").format(main=main)
    if low >= 0:
        spread = _("{low} to {high} more across queues").format(low=size(low), high=size(high))
    elif high <= 0:
        spread = _("{low} to {high} fewer across queues").format(low=size(high), high=size(low))
    else:
        spread = _("from {low} to {high} across queues").format(low=side(low), high=side(high))
    return _("{main} ({spread}).").format(main=main, spread=spread)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _family_color(series_id: str, index: int) -> str:
    """The channel colour of a queue whose name starts with its channel, else the house sequence."""
    from cxlab.viz import color_for

    head = str(series_id).split("_")[0]
    return color_for(head, index=index)


def _time_of_day(minute: int) -> dt.datetime:
    """A time of day on a fixed date, so plotly draws a time axis."""
    return dt.datetime(2000, 1, 3) + dt.timedelta(minutes=int(minute))
