"""Results of forecasting: backtest accuracy and the forecast of every series, shown the house way."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cxlab._result import Result

BASELINE = "seasonal_naive_week"


@dataclass(frozen=True)
class BacktestResult(Result):
    """Rolling-origin forecasts beside the actuals, and their accuracy per series and model."""

    frame: pl.DataFrame
    accuracy: pl.DataFrame
    horizon_days: int
    origins: int
    levels: tuple[int, ...] = (80, 95)

    @property
    def title(self) -> str:
        lead = "Day-ahead" if self.horizon_days == 1 else f"{self.horizon_days}-day-ahead"
        return f"{lead} backtest over {self.origins} origins"

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
            ratio = row["wape"] / base["wape"][0]
            out.append(
                f"{row['model']}: WAPE {row['wape']:.1%} against {base['wape'][0]:.1%} for the weekly "
                f"seasonal naive ({ratio:.2f} of its error)."
            )
        for row in overall.iter_rows(named=True):
            cov = ", ".join(
                f"{row[f'coverage_{lv}']:.0%} inside the {lv}% band" for lv in self.levels
            )
            out.append(f"{row['model']} intervals: {cov} over {row['n']:,} intervals.")
        return out

    def plot(self):
        import plotly.graph_objects as go

        acc = self.accuracy
        fig = go.Figure()
        for model in acc["model"].unique(maintain_order=True).to_list():
            part = acc.filter(pl.col("model") == model)
            fig.add_bar(x=part["series_id"].to_list(), y=part["mase"].to_list(), name=model)
        fig.add_hline(y=1.0, line_dash="dot", annotation_text="in-sample seasonal naive")
        fig.update_layout(
            title=self.title + ": MASE by series (lower is better)",
            barmode="group",
            yaxis_title="MASE",
        )
        return fig


@dataclass(frozen=True)
class ForecastResult(Result):
    """Forecasts per series (``frame``: ``series_id, level, ts, model, y_hat`` and bands), with the
    recent history, the backtest that chose each model and the events to mark."""

    frame: pl.DataFrame
    history: pl.DataFrame
    choice: dict[str, str] = field(default_factory=dict)
    backtest: BacktestResult | None = None
    events: pl.DataFrame | None = None
    levels: tuple[int, ...] = (80, 95)

    @property
    def title(self) -> str:
        return "Contact volume forecast"

    def summary(self) -> pl.DataFrame:
        """The forecast frame (what staffing plans take)."""
        return self.frame

    def daily(self) -> pl.DataFrame:
        """Daily totals of the interval forecasts (the same numbers, summed: coherent by construction)."""
        return (
            self.frame.group_by(["series_id", "level", pl.col("ts").dt.date().alias("day")])
            .agg(pl.col("y_hat").sum())
            .sort(["level", "series_id", "day"])
        )

    def level_frame(self, level: str = "queue") -> pl.DataFrame:
        """The forecasts of one level (``queue``, ``channel`` or ``total``): ``series_id, ts, model,
        y_hat`` and bands, the frame :func:`cxlab.staffing.plan` takes."""
        return self.frame.filter(pl.col("level") == level).drop("level")

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
        return past.select("series_id", "ts", "model", "y_hat", *bands).sort("series_id", "ts")

    def metrics(self) -> dict:
        """Headline numbers: contacts over the horizon, the busiest total interval with its 80%
        range, and the backtest's pooled WAPE (chosen models and weekly seasonal naive) and
        coverage of the chosen models' bands."""
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
            chosen = pl.DataFrame(
                {"series_id": list(self.choice), "model": list(self.choice.values())}
            )
            mine = bt.join(chosen, on=["series_id", "model"])
            naive = bt.filter(pl.col("model") == BASELINE)
            wape = lambda f: float((f["y"] - f["y_hat"]).abs().sum() / f["y"].sum())  # noqa: E731
            out |= {"wape": wape(mine), "wape_naive": wape(naive) if naive.height else float("nan")}
            for lv in self.levels:
                out[f"coverage_{lv}"] = coverage(mine, lv)
        return out

    def headline(self) -> list[dict]:
        """Cards for :func:`cxlab.viz.headline`: volume, peak interval with its range, accuracy."""
        m = self.metrics()
        cards = [
            {
                "label": "Contacts forecast",
                "value": m["contacts"],
                "detail": f"{m.get('first_day')} to {m.get('last_day')}",
            }
        ]
        if "peak_ts" in m:
            cards.append(
                {
                    "label": "Busiest interval (all queues)",
                    "value": f"{m['peak_y_hat']:.0f}",
                    "detail": f"{m['peak_ts']:%a %d %b %H:%M}, 80% range "
                    f"{m['peak_lo_80']:.0f}-{m['peak_hi_80']:.0f}",
                }
            )
        if "wape" in m:
            cards.append(
                {
                    "label": "Backtest error (WAPE)",
                    "value": f"{m['wape']:.1%}",
                    "detail": f"weekly seasonal naive: {m['wape_naive']:.1%}",
                    "met": m["wape"] < m["wape_naive"],
                }
            )
            cards.append(
                {
                    "label": "80% bands covered",
                    "value": f"{m['coverage_80']:.0%}",
                    "target": "nominal 80%",
                    "met": abs(m["coverage_80"] - 0.8) <= 0.03,
                }
            )
        return cards

    def peaks(self, n: int = 5, *, level: str = "total") -> pl.DataFrame:
        """The ``n`` busiest forecast intervals of the series at ``level``."""
        return self.frame.filter(pl.col("level") == level).sort("y_hat", descending=True).head(n)

    def findings(self) -> list[str]:
        out = []
        total = self.frame.filter(pl.col("level") == "total")
        if not total.is_empty():
            days = total["ts"].dt.date()
            out.append(
                f"About {total['y_hat'].sum():,.0f} contacts expected across all queues from "
                f"{days.min()} to {days.max()}."
            )
            peak = total.sort("y_hat", descending=True).row(0, named=True)
            out.append(
                f"Busiest interval: {peak['ts']:%a %d %b %H:%M} with about {peak['y_hat']:.0f} contacts "
                f"(80% range {peak['y_lo_80']:.0f}-{peak['y_hi_80']:.0f})."
            )
        if self.choice:
            counts: dict[str, int] = {}
            for m in self.choice.values():
                counts[m] = counts.get(m, 0) + 1
            out.append(
                "Model chosen on the backtest: "
                + ", ".join(f"{m} for {k} series" for m, k in counts.items())
                + "."
            )
        if self.backtest is not None:
            out += self.backtest.findings()[:2]
        return out

    def plot(self, series_id: str | None = None):
        import plotly.graph_objects as go

        from cxlab.viz import COLORS

        sid = series_id or (
            "total" if "total" in self.frame["series_id"].to_list() else self.frame["series_id"][0]
        )
        # plotly shows naive times as written: draw local wall-clock times
        fc = _naive(self.frame.filter(pl.col("series_id") == sid).sort("ts"))
        hist = _naive(self.history.filter(pl.col("series_id") == sid).sort("ts"))
        tz = getattr(self.frame.schema["ts"], "time_zone", None)
        fig = go.Figure()
        x = fc["ts"].to_list()
        for lv, color in zip(
            sorted(self.levels, reverse=True), [COLORS["band_outer"], COLORS["band"]], strict=False
        ):
            fig.add_scatter(
                x=x + x[::-1],
                y=fc[f"y_hi_{lv}"].to_list() + fc[f"y_lo_{lv}"].to_list()[::-1],
                fill="toself",
                fillcolor=color,
                line_width=0,
                name=f"{lv}% interval",
                hoverinfo="skip",
            )
        fig.add_scatter(
            x=hist["ts"].to_list(),
            y=hist["y"].to_list(),
            name="actual",
            line=dict(color=COLORS["muted"], width=1),
        )
        fig.add_scatter(
            x=x, y=fc["y_hat"].to_list(), name="forecast", line=dict(color=COLORS["primary"])
        )
        if self.events is not None and not self.events.is_empty() and x:
            lo, hi = min(hist["ts"].min() or x[0], x[0]), x[-1]
            ev = self.events.with_columns(
                pl.col("start", "end").dt.convert_time_zone(tz or "UTC").dt.replace_time_zone(None)
            )
            for row in ev.iter_rows(named=True):
                if row["end"] > lo and row["start"] < hi:
                    fig.add_vrect(
                        x0=row["start"],
                        x1=row["end"],
                        fillcolor=COLORS["accent"],
                        opacity=0.12,
                        line_width=0,
                        annotation_text=str(row.get("name", row["kind"])),
                        annotation_position="top left",
                    )
        fig.update_layout(
            title=f"Contacts per interval: {sid}", yaxis_title="contacts", hovermode="x"
        )
        return fig


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
