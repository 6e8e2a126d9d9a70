"""The sections of the monthly service review, each a result that shows itself."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import plotly.express as px
import plotly.graph_objects as go
import polars as pl

from cxlab._result import Result
from cxlab.features import MetricConfig, metrics, prepare
from cxlab.review._moments import change_test, moments
from cxlab.review._period import Period
from cxlab.viz._display import safe_text

PCT = {"share"}
SCORECARD = [  # shown even without a target (ASA and AHT only per channel: email waits are hours)
    ("contacts", "all"),
    ("answer_rate", "channel=chat"),
    ("asa", "channel=phone"),
    ("asa", "channel=chat"),
    ("aht", "channel=phone"),
    ("aht", "channel=chat"),
    ("fcr", "all"),
    ("csat", "all"),
    ("complaint_rate", "all"),
    ("resolution_within", "all"),
    ("sla_answered", "all"),
    ("sla_resolved", "all"),
]


def fmt(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit == "seconds":
        return f"{value / 3600:.1f} h" if value >= 3 * 3600 else f"{value:,.0f} s"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:.2f}"


def fmt_change(delta: float | None, unit: str) -> str:
    if delta is None:
        return "–"
    if unit == "share":
        return f"{100 * delta:+.1f} pts"
    if unit == "seconds":
        return f"{delta:+,.0f} s"
    if unit == "count":
        return f"{delta:+,.0f}"
    return f"{delta:+.2f}"


def _html(result: Result, table: pl.DataFrame | None) -> str:
    """A section as people read it: its title, findings, and a formatted table (or none)."""
    import html as _h

    from cxlab._result import html_findings, html_table

    body = html_table(table) if table is not None else ""
    return f"<div class='cx-result'><h4>{_h.escape(result.title)}</h4>{html_findings(result.findings())}{body}</div>"


def _text(values: pl.Series, unit: str, *, change: bool = False) -> list[str]:
    f = fmt_change if change else fmt
    return [f(v, unit) for v in values.to_list()]


def formatted(frame: pl.DataFrame, units: dict[str, str]) -> pl.DataFrame:
    """``frame`` with the named columns turned into text in their unit (percent, seconds, count)."""
    return frame.with_columns(
        pl.Series(c, _text(frame[c], u)) for c, u in units.items() if c in frame.columns
    )


def _in(prepared: pl.LazyFrame, period: Period, which: str = "current") -> pl.LazyFrame:
    lo, hi = period.bounds(which)
    return prepared.filter(pl.col("arrived_at").is_between(lo, hi, closed="left"))


def _scope(expr: str) -> pl.Expr:
    if expr in ("all", "", "*"):
        return pl.lit(True)
    column, value = expr.split("=", 1)
    return pl.col(column.strip()) == value.strip()


# -- 0. the scorecard -------------------------------------------------------------------------


@dataclass(frozen=True)
class Scorecard(Result):
    """KPIs of the month against targets, with the change from the comparison month."""

    table: pl.DataFrame
    period: Period

    @property
    def title(self) -> str:
        return f"KPIs for {self.period.label} against targets"

    def summary(self) -> pl.DataFrame:
        return self.table

    def findings(self) -> list[str]:
        """What missed its target, what is on target, and what moved beyond normal variation."""

        def name(r: dict) -> str:
            return r["label"] + ("" if r["scope"] == "all" else f" ({r['scope'].split('=', 1)[1]})")

        out = []
        for r in self.table.filter(pl.col("met") == False).iter_rows(named=True):  # noqa: E712
            out.append(
                f"{name(r)} missed its target: {r['value_text']} against {r['target_text']}."
            )
        met = self.table.filter(pl.col("met") == True)  # noqa: E712
        if met.height:
            out.append(
                "On target: "
                + "; ".join(f"{name(r)} {r['value_text']}" for r in met.iter_rows(named=True))
                + "."
            )
        moved = self.table.filter(
            (pl.col("p_value") < 0.01)
            & pl.col("change").is_not_null()
            & pl.col("higher_is_better").is_not_null()
        )
        for r in moved.sort("p_value").head(5).iter_rows(named=True):
            better = (r["change"] > 0) == r["higher_is_better"]
            way = "up" if r["change"] > 0 else "down"
            out.append(
                f"{name(r)} {'improved' if better else 'worsened'}: {r['value_text']}, {way} "
                f"{r['change_text'].lstrip('+-')} on {self.period.compare_label}, more than normal variation explains."
            )
        steady = self.table.filter((pl.col("p_value") >= 0.01) & pl.col("target").is_not_null())
        if steady.height:
            out.append(
                "Within normal variation of last month: "
                + ", ".join(name(r) for r in steady.iter_rows(named=True))
                + "."
            )
        return out

    def plot(self) -> go.Figure:
        shares = self.table.filter(pl.col("unit") == "share", pl.col("target").is_not_null())
        fig = go.Figure()
        labels = [f"{a} ({s})" for a, s in zip(shares["label"], shares["scope"], strict=True)]
        fig.add_bar(
            y=labels,
            x=shares["value"] * 100,
            orientation="h",
            name=self.period.label,
            marker_color=["#2e8540" if m else "#c0392b" for m in shares["met"]],
        )
        fig.add_scatter(
            y=labels,
            x=shares["target"] * 100,
            mode="markers",
            name="target",
            marker=dict(symbol="line-ns-open", size=22, color="#1d2433", line_width=3),
        )
        fig.update_layout(
            title=f"Share KPIs against targets, {self.period.label}",
            xaxis_title="%",
            height=120 + 40 * len(labels),
        )
        return fig


def scorecard(
    contacts: pl.LazyFrame,
    targets: pl.DataFrame,
    period: Period,
    *,
    config: MetricConfig | None = None,
) -> Scorecard:
    """Every targeted KPI and the headline KPIs, this month and last, with a change test."""
    dictionary = metrics(config)
    prepared = prepare(contacts, config)
    # the two months once, in memory: every KPI and scope below reads them (the repeat-contact
    # window is computed over all contacts, so it is worth doing only once)
    months = {
        which: _in(prepared, period, which).collect().lazy() for which in ("current", "compare")
    }
    rows = []
    wanted = [
        (t["kpi"], t["scope"], t["target"], t["direction"])
        for t in targets.iter_rows(named=True)
        if t["kpi"] in dictionary
    ]
    targeted = {(k, s) for k, s, _, _ in wanted}
    wanted += [(k, s, None, None) for k, s in SCORECARD if (k, s) not in targeted]
    for kpi, scope, target, direction in wanted:
        m = dictionary[kpi]
        filt = _scope(scope)
        cur = moments(months["current"].filter(filt), [kpi], config=config).row(0, named=True)
        cmp_ = moments(months["compare"].filter(filt), [kpi], config=config).row(0, named=True)
        count = m.unit == "count"
        change, p = change_test(
            (cur["num"], cur["den"], cur["num_sq"]),
            (cmp_["num"], cmp_["den"], cmp_["num_sq"]),
            count=count,
        )
        value, before = cur["value"], cmp_["value"]
        if cmp_["den"] == 0 or (count and cmp_["num"] == 0):
            change, p, before = None, None, None
        met = None
        if target is not None and value is not None:
            met = value >= target if direction == ">=" else value <= target
        rows.append(
            {
                "kpi": kpi,
                "label": m.label,
                "scope": scope,
                "unit": m.unit,
                "value": value,
                "value_text": fmt(value, m.unit),
                "previous": before,
                "change": change,
                "change_text": fmt_change(change, m.unit),
                "p_value": p,
                "target": target,
                "target_text": f"{direction} {fmt(target, m.unit)}" if target is not None else "",
                "met": met,
                "higher_is_better": m.higher_is_better,
                "n": cur["den"],
            }
        )
    table = pl.DataFrame(rows, infer_schema_length=None)
    return Scorecard(table=table, period=period)


# -- 1. volume ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Volume(Result):
    by_channel: pl.DataFrame
    by_category: pl.DataFrame
    period: Period

    @property
    def title(self) -> str:
        return f"Contact volume, {self.period.label}"

    def summary(self) -> pl.DataFrame:
        return self.by_channel

    def readable(self) -> pl.DataFrame:
        t = self.by_channel
        return pl.DataFrame(
            {
                "channel": t["channel"],
                self.period.label: _text(t["contacts"], "count"),
                self.period.compare_label: _text(t["previous"], "count"),
                "share": _text(t["share"], "share"),
                "change": [
                    f"{100 * v:+.1f}%" if v is not None else "–" for v in t["change"].to_list()
                ],
            }
        )

    def _repr_html_(self) -> str:
        return _html(self, self.readable())

    def findings(self) -> list[str]:
        total = self.by_channel["contacts"].sum()
        before = self.by_channel["previous"].sum()
        out = [
            f"{total:,} contacts in {self.period.label}"
            + (
                f", {100 * (total / before - 1):+.1f}% on {self.period.compare_label}."
                if before
                else "."
            )
        ]
        for r in self.by_channel.sort("contacts", descending=True).iter_rows(named=True):
            change = f", {100 * r['change']:+.1f}%" if r["change"] is not None else ""
            out.append(
                f"{r['channel'].capitalize()}: {r['contacts']:,} ({100 * r['share']:.0f}% of all{change})."
            )
        top = self.by_category.sort("contacts", descending=True).row(0, named=True)
        out.append(
            f"The biggest topic was {top['category']} › {top['category_l2']} › {top['category_l3']} ({top['contacts']:,} contacts)."
        )
        return out

    def plot(self) -> go.Figure:
        levels = [
            "category",
            "category_l2",
            "category_l3",
        ]  # free text: shown literally, never as markup
        safe = self.by_category.with_columns(
            pl.col(c).map_elements(safe_text, return_dtype=pl.Utf8) for c in levels
        )
        fig = px.sunburst(
            safe.to_pandas(),
            path=levels,
            values="contacts",
            title=f"Contacts by category (three levels), {self.period.label}",
        )
        fig.update_traces(insidetextorientation="radial")
        return fig

    def channel_plot(self) -> go.Figure:
        df = self.by_channel.sort("contacts", descending=True)
        fig = go.Figure()
        fig.add_bar(
            x=df["channel"],
            y=df["previous"],
            name=self.period.compare_label,
            marker_color="#c8d3e3",
        )
        fig.add_bar(
            x=df["channel"], y=df["contacts"], name=self.period.label, marker_color="#1f5a96"
        )
        fig.update_layout(barmode="group", title="Contacts by channel", yaxis_title="contacts")
        return fig


def volume(contacts: pl.LazyFrame, period: Period) -> Volume:
    cur = _in(contacts.lazy(), period)
    prev = _in(contacts.lazy(), period, "compare")
    a = cur.group_by("channel").agg(contacts=pl.len()).collect()
    b = prev.group_by("channel").agg(previous=pl.len()).collect()
    by_channel = (
        a.join(b, on="channel", how="full", coalesce=True)
        .fill_null(0)
        .with_columns(
            share=pl.col("contacts") / pl.col("contacts").sum(),
            change=pl.when(pl.col("previous") > 0).then(
                pl.col("contacts") / pl.col("previous") - 1
            ),
        )
        .sort("contacts", descending=True)
    )
    cats = cur.group_by("category", "category_l2", "category_l3").agg(contacts=pl.len()).collect()
    catp = prev.group_by("category", "category_l2", "category_l3").agg(previous=pl.len()).collect()
    by_category = (
        cats.join(catp, on=["category", "category_l2", "category_l3"], how="left")
        .fill_null(0)
        .with_columns(
            share=pl.col("contacts") / pl.col("contacts").sum(),
            change=pl.when(pl.col("previous") > 0).then(
                pl.col("contacts") / pl.col("previous") - 1
            ),
        )
        .sort("category", "category_l2", "contacts", descending=[False, False, True])
    )
    return Volume(by_channel=by_channel, by_category=by_category, period=period)


# -- generic KPI breakdowns ---------------------------------------------------------------------


@dataclass(frozen=True)
class Breakdown(Result):
    """KPIs by one or two dimensions for the month (with the comparison month)."""

    table: pl.DataFrame
    heading: str
    kpis: tuple[str, ...]
    by: tuple[str, ...]
    period: Period

    @property
    def title(self) -> str:
        return self.heading

    def summary(self) -> pl.DataFrame:
        return self.table

    def readable(self) -> pl.DataFrame:
        """One row per group, one column per KPI (this month, and its change), formatted."""
        dictionary = metrics()
        out = None
        for kpi in self.kpis:
            m = dictionary[kpi]
            t = self.table.filter(pl.col("kpi") == kpi)
            part = t.select(*self.by).with_columns(
                pl.Series(m.label, _text(t["value"], m.unit)),
                pl.Series(f"{m.label}: change", _text(t["change"], m.unit, change=True)),
                pl.Series(f"n ({m.label})", _text(t["n"], "count")),
            )
            out = (
                part if out is None else out.join(part, on=list(self.by), how="full", coalesce=True)
            )
        return out.sort(list(self.by))

    def _repr_html_(self) -> str:
        return _html(self, self.readable())

    def findings(self) -> list[str]:
        dictionary = metrics()
        out = []
        for kpi in self.kpis:
            m = dictionary[kpi]
            t = self.table.filter(
                pl.col("kpi") == kpi, pl.col("value").is_not_null(), pl.col("n") >= 30
            )
            if t.height < 2:
                continue
            best = t.sort("value", descending=bool(m.higher_is_better)).row(0, named=True)
            worst = t.sort("value", descending=not m.higher_is_better).row(0, named=True)
            name = lambda r: " / ".join(str(r[c]) for c in self.by)  # noqa: E731
            out.append(
                f"{m.label}: best {name(best)} at {fmt(best['value'], m.unit)}, weakest {name(worst)} at {fmt(worst['value'], m.unit)}."
            )
        return out

    def plot(self) -> go.Figure:
        kpi = self.kpis[0]
        m = metrics()[kpi]
        t = self.table.filter(pl.col("kpi") == kpi).sort("value")
        x = (
            t[self.by[0]].cast(pl.Utf8)
            if len(self.by) == 1
            else pl.concat_str(
                [pl.col(c).cast(pl.Utf8) for c in self.by], separator=" / ", ignore_nulls=True
            ).alias("x")
        )
        labels = x.to_list() if isinstance(x, pl.Series) else t.select(x)["x"].to_list()
        labels = [safe_text(v) for v in labels]
        scale = 100 if m.unit == "share" else 1
        fig = go.Figure(
            go.Bar(
                x=t["value"] * scale,
                y=labels,
                orientation="h",
                marker_color="#1f5a96",
                error_x=dict(
                    type="data",
                    array=(t["se"].fill_null(0) * 1.96 * scale).to_list(),
                    color="#8a94a6",
                ),
            )
        )
        fig.update_layout(
            title=f"{m.label} by {', '.join(self.by)}, {self.period.label} (bars: 95% interval)",
            xaxis_title="%" if m.unit == "share" else m.unit,
            height=160 + 28 * len(labels),
        )
        return fig


def breakdown(
    contacts: pl.LazyFrame,
    period: Period,
    kpis: list[str],
    by: list[str],
    *,
    heading: str,
    config: MetricConfig | None = None,
) -> Breakdown:
    prepared = prepare(contacts, config)
    cur = moments(_in(prepared, period), kpis, by=by, config=config)
    prev = moments(_in(prepared, period, "compare"), kpis, by=by, config=config).select(
        *by, "kpi", pl.col("value").alias("previous")
    )
    table = (
        cur.join(prev, on=[*by, "kpi"], how="left")
        .with_columns(
            n=pl.col("den"),
            se=pl.when(pl.col("den") > 1).then(
                (
                    (pl.col("num_sq") / pl.col("den") - pl.col("value") ** 2).clip(0)
                    / pl.col("den")
                ).sqrt()
            ),
            change=pl.col("value") - pl.col("previous"),
        )
        .select(*by, "kpi", "value", "se", "previous", "change", "n")
        .sort(["kpi", *by])
    )
    return Breakdown(table=table, heading=heading, kpis=tuple(kpis), by=tuple(by), period=period)


# -- response times over the month ---------------------------------------------------------------


@dataclass(frozen=True)
class Daily(Result):
    table: pl.DataFrame
    kpi: str
    period: Period

    @property
    def title(self) -> str:
        return f"{metrics()[self.kpi].label} day by day, {self.period.label}"

    def summary(self) -> pl.DataFrame:
        return self.table

    def findings(self) -> list[str]:
        m = metrics()[self.kpi]
        worst = (
            self.table.filter(pl.col("value").is_not_null())
            .sort("value", descending=not m.higher_is_better)
            .head(1)
        )
        if worst.height == 0:
            return []
        r = worst.row(0, named=True)
        return [
            f"The weakest day for {m.label.lower()} was {r['day']:%a %d %b} ({r['channel']}): {fmt(r['value'], m.unit)}."
        ]

    def plot(self) -> go.Figure:
        m = metrics()[self.kpi]
        scale = 100 if m.unit == "share" else 1
        fig = px.line(
            self.table.with_columns(pl.col("value") * scale).to_pandas(),
            x="day",
            y="value",
            color="channel",
            title=self.title,
            labels={"value": "%" if m.unit == "share" else m.unit, "day": ""},
        )
        return fig


def daily(
    contacts: pl.LazyFrame,
    period: Period,
    kpi: str,
    *,
    channels: list[str] | None = None,
    config: MetricConfig | None = None,
) -> Daily:
    prepared = _in(prepare(contacts, config), period).with_columns(
        day=pl.col("arrived_at").dt.convert_time_zone(period.time_zone).dt.date()
    )
    if channels:
        prepared = prepared.filter(pl.col("channel").is_in(channels))
    table = (
        moments(prepared, [kpi], by=["day", "channel"], config=config)
        .select("day", "channel", "value", pl.col("den").alias("n"))
        .sort("day", "channel")
    )
    return Daily(table=table, kpi=kpi, period=period)


# -- phone ------------------------------------------------------------------------------------

TIME_BANDS = {
    "peak hours (10-11, 14-16)": [10, 14, 15],
    "working hours (09-18, off-peak)": [9, 11, 12, 13, 16, 17],
    "off hours": None,
}


@dataclass(frozen=True)
class Phone(Result):
    weekly: pl.DataFrame
    hours: pl.DataFrame
    bands: pl.DataFrame
    handle: pl.DataFrame
    period: Period

    @property
    def title(self) -> str:
        return f"Phone, {self.period.label}"

    def summary(self) -> pl.DataFrame:
        return self.bands

    def findings(self) -> list[str]:
        busiest = self.hours.sort("calls", descending=True).head(2)
        out = [
            "The busiest hours were "
            + " and ".join(
                f"{h:02d}:00-{h + 1:02d}:00 ({c:,} calls, answer rate {100 * a:.1f}%)"
                for h, c, a in busiest.select("hour", "calls", "answer_rate").iter_rows()
            )
            + "."
        ]
        for r in self.bands.iter_rows(named=True):
            out.append(
                f"Answer rate in {r['band']}: {100 * r['answer_rate']:.1f}% of {r['offered']:,} calls offered."
            )
        slow = self.handle.sort("aht", descending=True).row(0, named=True)
        out.append(f"The longest calls were {slow['category']} ({slow['aht']:,.0f} s on average).")
        return out

    def plot(self) -> go.Figure:
        fig = go.Figure()
        fig.add_bar(
            x=self.hours["hour"],
            y=self.hours["calls"],
            name="calls",
            marker_color="#c8d3e3",
            yaxis="y",
        )
        fig.add_scatter(
            x=self.hours["hour"],
            y=self.hours["answer_rate"] * 100,
            name="answer rate %",
            yaxis="y2",
            line_color="#c0392b",
        )
        fig.update_layout(
            title=f"Phone calls and answer rate by hour, {self.period.label}",
            xaxis_title="hour (local)",
            yaxis=dict(title="calls"),
            yaxis2=dict(title="answer rate %", overlaying="y", side="right", range=[50, 100]),
        )
        return fig

    def _repr_html_(self) -> str:
        return _html(self, formatted(self.bands, {"offered": "count", "answer_rate": "share"}))

    def weekly_plot(self) -> go.Figure:
        return px.bar(
            self.weekly.to_pandas(),
            x="week",
            y="calls",
            title="Phone calls by week",
            labels={"week": "week starting"},
        )


def phone(contacts: pl.LazyFrame, period: Period, *, config: MetricConfig | None = None) -> Phone:
    local = pl.col("arrived_at").dt.convert_time_zone(period.time_zone)
    prepared = (
        _in(prepare(contacts, config), period)
        .filter(pl.col("channel") == "phone")
        .with_columns(hour=local.dt.hour(), week=local.dt.truncate("1w").dt.date())
    )
    m = moments(prepared, ["offered", "answer_rate"], by=["hour"], config=config)
    hours = (
        m.filter(pl.col("kpi") == "offered")
        .select("hour", pl.col("num").alias("calls"))
        .join(
            m.filter(pl.col("kpi") == "answer_rate").select(
                "hour", pl.col("value").alias("answer_rate")
            ),
            on="hour",
        )
        .sort("hour")
    )
    band_expr = pl.lit("off hours")
    for name, hrs in TIME_BANDS.items():
        if hrs:
            band_expr = pl.when(pl.col("hour").is_in(hrs)).then(pl.lit(name)).otherwise(band_expr)
    bm = moments(
        prepared.with_columns(band=band_expr),
        ["offered", "answer_rate"],
        by=["band"],
        config=config,
    )
    bands = (
        bm.filter(pl.col("kpi") == "offered")
        .select("band", pl.col("num").alias("offered"))
        .join(
            bm.filter(pl.col("kpi") == "answer_rate").select(
                "band", pl.col("value").alias("answer_rate")
            ),
            on="band",
        )
        .sort("band", descending=True)
    )
    weekly = prepared.group_by("week").agg(calls=pl.len()).sort("week").collect()
    handle = (
        moments(prepared, ["aht"], by=["category"], config=config)
        .select("category", pl.col("value").alias("aht"), pl.col("den").alias("calls"))
        .sort("aht", descending=True)
    )
    return Phone(weekly=weekly, hours=hours, bands=bands, handle=handle, period=period)


# -- complaints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Complaints(Result):
    table: pl.DataFrame
    repeat_customers: int
    repeat_share: float
    period: Period

    @property
    def title(self) -> str:
        return f"Complaints, {self.period.label}"

    def summary(self) -> pl.DataFrame:
        return self.table

    def findings(self) -> list[str]:
        total = int(self.table["complaints"].sum())
        out = [
            f"{total:,} complaints; {self.repeat_customers:,} customers complained more than once within 30 days ({100 * self.repeat_share:.1f}% of complainants)."
        ]
        for r in self.table.sort("closed_in_time").iter_rows(named=True):
            closed = "–" if r["closed_in_time"] is None else f"{100 * r['closed_in_time']:.0f}%"
            out.append(
                f"{r['complaint_type'].replace('_', ' ').capitalize()}: {r['complaints']:,}, median {r['median_hours']:.1f} h to resolve, {closed} closed within the {r['promise_hours']:.0f} h promise."
            )
        return out

    def _repr_html_(self) -> str:
        t = self.table.with_columns(
            pl.col("median_hours").round(1), pl.col("promise_hours").round(0)
        )
        units = {"complaints": "count", "closed_in_time": "share", "unresolved": "count"}
        return _html(self, formatted(t, units))

    def plot(self) -> go.Figure:
        t = self.table.sort("complaints")
        fig = go.Figure(
            go.Bar(
                y=t["complaint_type"],
                x=t["complaints"],
                orientation="h",
                marker_color="#e07b39",
                text=[f"{100 * (v or 0):.0f}% in time" for v in t["closed_in_time"]],
                textposition="outside",
            )
        )
        fig.update_layout(
            title=f"Complaints by type and closure within promise, {self.period.label}",
            xaxis_title="complaints",
        )
        return fig


def complaints(
    contacts: pl.LazyFrame, period: Period, *, config: MetricConfig | None = None
) -> Complaints:
    config = config or MetricConfig()
    lf = _in(contacts.lazy(), period).filter(pl.col("complaint_type").is_not_null())
    hours = (pl.col("resolved_at") - pl.col("arrived_at")).dt.total_seconds() / 3600
    promise = pl.col("complaint_type").replace_strict(
        config.complaint_promise_hours, default=None, return_dtype=pl.Float64
    )
    table = (
        lf.group_by("complaint_type")
        .agg(
            complaints=pl.len(),
            median_hours=hours.median(),
            closed_in_time=(hours.fill_null(float("inf")) <= promise).mean(),
            unresolved=pl.col("resolved_at").is_null().sum(),
            promise_hours=promise.first(),
        )
        .sort("complaints", descending=True)
        .collect()
    )
    per_customer = (
        lf.sort("arrived_at")
        .with_columns(gap=pl.col("arrived_at").diff().over("customer_id"))
        .group_by("customer_id")
        .agg(repeat=(pl.col("gap") <= dt.timedelta(days=30)).any())
        .collect()
    )
    repeat = int(per_customer["repeat"].sum())
    return Complaints(
        table=table,
        repeat_customers=repeat,
        repeat_share=repeat / max(per_customer.height, 1),
        period=period,
    )


# -- quality assurance --------------------------------------------------------------------------


@dataclass(frozen=True)
class QualityAssurance(Result):
    sampling: pl.DataFrame
    dimensions: pl.DataFrame
    period: Period

    @property
    def title(self) -> str:
        return f"Quality assurance, {self.period.label}"

    def summary(self) -> pl.DataFrame:
        return self.sampling

    def findings(self) -> list[str]:
        out = [
            ", ".join(
                f"{r['channel']} {100 * r['sampling_rate']:.1f}%"
                for r in self.sampling.iter_rows(named=True)
            ).join(["QA sampled ", " of answered contacts (complaints are all reviewed)."])
        ]
        low = self.dimensions.sort("mean_score").row(0, named=True)
        high = self.dimensions.sort("mean_score", descending=True).row(0, named=True)
        out.append(
            f"Lowest QA dimension: {low['dimension']} ({low['mean_score']:.1f}/100); highest: {high['dimension']} ({high['mean_score']:.1f})."
        )
        return out

    def _repr_html_(self) -> str:
        units = {"answered": "count", "sampled": "count", "sampling_rate": "share"}
        return _html(self, formatted(self.sampling, units))

    def plot(self) -> go.Figure:
        d = self.dimensions.sort("mean_score")
        fig = go.Figure(
            go.Bar(
                y=d["dimension"],
                x=d["mean_score"],
                orientation="h",
                marker_color="#6c5b7b",
                error_x=dict(type="data", array=(1.96 * d["se"]).to_list()),
            )
        )
        fig.update_layout(
            title=f"QA score by dimension (95% interval), {self.period.label}",
            xaxis=dict(range=[50, 100], title="score"),
        )
        return fig


def qa(qa_scores: pl.LazyFrame, contacts: pl.LazyFrame, period: Period) -> QualityAssurance:
    cur = (
        _in(contacts.lazy(), period)
        .filter(pl.col("answered_at").is_not_null())
        .select("contact_id", "channel")
    )
    scored = qa_scores.lazy().join(cur, on="contact_id", how="inner")
    sampled = scored.group_by("channel").agg(sampled=pl.col("contact_id").n_unique())
    answered = cur.group_by("channel").agg(answered=pl.len())
    sampling = (
        answered.join(sampled, on="channel", how="left")
        .fill_null(0)
        .with_columns(sampling_rate=pl.col("sampled") / pl.col("answered"))
        .sort("channel")
        .collect()
    )
    dims = (
        scored.group_by("dimension")
        .agg(
            mean_score=pl.col("score").mean(),
            se=pl.col("score").std() / pl.len().sqrt(),
            n=pl.len(),
        )
        .sort("dimension")
        .collect()
    )
    return QualityAssurance(sampling=sampling, dimensions=dims, period=period)
