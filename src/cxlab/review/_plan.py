"""Next year's projection of every targeted KPI, with a range, and the changes already decided.

:func:`projection` reads the monthly history of each KPI of the targets table through the metric
dictionary, fits a trend and an annual cycle (see :mod:`cxlab.review._plan_model`), adds the
measured effect of each adopted intervention of the experiments registry for the months after its
decision, and simulates next year's twelve months jointly, so the year's value (a ratio of summed
numerators and denominators, each month weighed by last year's volume of the same month) has its
own, correct, range. :func:`cxlab.review.propose_targets` reads targets off that range.
"""

from __future__ import annotations

import datetime as dt
import os
import zlib
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import plotly.graph_objects as go
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._present import Headline, Period, _, fmt_change, fmt_interval, fmt_month, fmt_value
from cxlab._result import Result
from cxlab.review._plan_model import SEASON_MONTHS, TREND_MONTHS, fit, from_scale
from cxlab.review._scorecard import _scope
from cxlab.review._show import cap, chart_text, kpi_name, section_html, titled
from cxlab.review._year import ReviewYear
from cxlab.viz import COLORS, TARGET_LINE, fade

ALWAYS = [("fcr", "all"), ("csat", "all"), ("aht", "all")]
"""Projected even without a target: the three measures a service plan always states."""
HEADLINE = [
    ("fcr", "all"),
    ("csat", "all"),
    ("aht", "all"),
    ("service_level", "channel=phone"),
    ("answer_rate", "channel=phone"),
]
DRAWS = 4000
BOUNDS = {"share": (0.0, 1.0), "score": (1.0, 5.0)}


def _month_add(month: dt.date, n: int) -> dt.date:
    k = month.year * 12 + month.month - 1 + n
    return dt.date(k // 12, k % 12 + 1, 1)


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    out, m = [], start
    while m < end:
        out.append(m)
        m = _month_add(m, 1)
    return out


def _iso_month(m: dt.date) -> str:
    return m.strftime("%Y-%m")


@dataclass(frozen=True)
class Projection(Result):
    """Next year's projection of each KPI: its months and its year, with ranges.

    ``table``: one row per KPI, scope and month, the history (``kind="history"``, ``actual``)
    then the projection (``kind="projected"``: ``projected`` the median of the simulated months,
    ``projected_lo``/``projected_hi`` the ``level`` range, ``decided_effect`` what adopted changes
    add on average, ``denominator`` the month's weight in the year). ``annual``: one row per KPI
    and scope: ``last_year``, ``projected``, ``projected_lo``, ``projected_hi`` (the year's value),
    ``seasonal`` (whether the annual cycle was measured), ``target`` and ``direction``. ``terms``:
    the fitted coefficients on each KPI's fitting scale (``estimate``, ``std_error``).
    ``changes``: the decided interventions read from the registry and what was done with them.
    """

    table: pl.DataFrame
    annual: pl.DataFrame
    terms: pl.DataFrame
    changes: pl.DataFrame
    skipped: tuple[tuple[str, str, str], ...]
    year: Period
    next_year: Period
    level: float
    history: tuple[dt.date, dt.date]
    draws: dict = field(repr=False, compare=False)
    """``{(kpi, scope): (monthly draws (draws x months), annual draws)}`` on the KPI's scale."""
    targets: pl.DataFrame = field(repr=False, compare=False)
    workspace: str | None = None
    time_zone: str | None = None

    @property
    def title(self) -> str:
        return _("Next year's projection: {period}").format(period=self.next_year.text)

    def summary(self) -> pl.DataFrame:
        return self.annual

    def _level_text(self) -> str:
        return fmt_value(self.level, "share", decimals=0)

    def headline(self) -> list[Headline]:
        rows = {(r["kpi"], r["scope"]): r for r in self.annual.iter_rows(named=True)}
        out = []
        for key in HEADLINE:
            r = rows.get(key)
            if r is None:
                continue
            out.append(
                Headline(
                    key=f"projected_{r['kpi']}:{r['scope']}",
                    label=kpi_name(r["kpi"], r["scope"]),
                    value=r["projected"],
                    unit=r["unit"],
                    target=r["target"],
                    direction=r["direction"] if r["target"] is not None else None,
                    period=self.next_year.iso,
                    change=r["projected"] - r["last_year"],
                    compared_to="year_ago",
                    higher_is_better=r["higher_is_better"],
                    low=r["projected_lo"],
                    high=r["projected_hi"],
                )
            )
        return out

    def findings(self) -> list[str]:
        """Each KPI's year and next year's projection with its range, the season said in words
        where it could not be measured, the decided changes included and the KPIs left out."""
        out = []
        for r in self.annual.iter_rows(named=True):
            unit = r["unit"]
            out.append(
                _(
                    "{metric}: {last} in {year}; next year projected at {projected}, with a "
                    "{level} chance of lying between {low} and {high}."
                ).format(
                    metric=cap(kpi_name(r["kpi"], r["scope"])),
                    last=fmt_value(r["last_year"], unit),
                    year=self.year.text,
                    projected=fmt_value(r["projected"], unit),
                    level=self._level_text(),
                    low=fmt_value(r["projected_lo"], unit),
                    high=fmt_value(r["projected_hi"], unit),
                )
            )
            if not r["seasonal"]:
                out.append(
                    _(
                        "{metric}: too little history to measure the season ({months} months; "
                        "two years are needed), so its projection follows the trend alone."
                    ).format(metric=cap(kpi_name(r["kpi"], r["scope"])), months=r["months_used"])
                )
        for c in self.changes.iter_rows(named=True):
            if c["included"]:
                out.append(
                    _(
                        "The projection of {metric} includes {effect} from the adopted "
                        "{name}, from {month} on (measured between {low} and {high})."
                    ).format(
                        metric=kpi_name(c["kpi"], "all"),
                        effect=fmt_change(c["added"], c["unit"]),
                        name=_(c["name"]),
                        month=fmt_month(c["from_month"]),
                        low=fmt_change(c["ci_low"] * (1 - c["exposure"]), c["unit"]),
                        high=fmt_change(c["ci_high"] * (1 - c["exposure"]), c["unit"]),
                    )
                )
                if c["registered"] != c["kpi"]:
                    out.append(
                        _(
                            "{name} was measured on {measured}; its effect on {registered} was "
                            "not measured, so the projection of {registered} does not include it."
                        ).format(
                            name=_(c["name"]),
                            measured=kpi_name(c["kpi"], "all"),
                            registered=kpi_name(c["registered"], "all"),
                        )
                    )
            elif c["decision"] == "stop":
                out.append(
                    _("{name} was stopped: nothing of it is counted.").format(name=_(c["name"]))
                )
            else:
                out.append(
                    _("{name} was adopted, but its measure is not projected here.").format(
                        name=_(c["name"])
                    )
                )
        for kpi, scope, months in self.skipped:
            out.append(
                _("{metric} is not projected: it has no measurement in {months}.").format(
                    metric=cap(kpi_name(kpi, scope)), months=months
                )
            )
        return out

    def notes(self) -> list[str]:
        """How the projection is made, for an appendix."""
        first, last = self.history
        return [
            _(
                "History: {first} to {last}, every complete month. Each measure's monthly "
                "values are fitted with a straight-line trend and an annual cycle (two pairs of "
                "Fourier terms) by least squares, on a scale that keeps them within their bounds "
                "(the log-odds of a rate and of (CSAT - 1) / 4, the logarithm of a time)."
            ).format(first=fmt_month(first), last=fmt_month(last)),
            _(
                "The ranges come from {draws} joint simulations of next year's twelve months, "
                "which carry the uncertainty of the trend and of the cycle as well as the "
                "month-to-month noise. The year's value weighs each month by the volume of the "
                "same month last year."
            ).format(draws=fmt_value(DRAWS, "count")),
            _(
                "An adopted intervention adds its measured effect, with its uncertainty, to the "
                "months after its decision, scaled by the share of contacts it did not yet reach "
                "in the last month of the history."
            ),
        ]

    def report_table(self) -> pl.DataFrame:
        """The annual table in words: measure, last year, projected, range."""
        rows = []
        for r in self.annual.iter_rows(named=True):
            u = r["unit"]
            rows.append(
                {
                    "kpi_text": kpi_name(r["kpi"], r["scope"]),
                    "last_year_text": fmt_value(r["last_year"], u),
                    "projected_text": fmt_value(r["projected"], u),
                    "range_text": fmt_interval(
                        r["projected_lo"], r["projected_hi"], u, change=False
                    ),
                }
            )
        frame = pl.DataFrame(
            rows,
            schema={
                k: pl.Utf8 for k in ("kpi_text", "last_year_text", "projected_text", "range_text")
            },
        )
        return frame.rename(
            {
                "kpi_text": _("Measure"),
                "last_year_text": self.year.text,
                "projected_text": _("Projected, {period}").format(period=self.next_year.text),
                "range_text": _("{level} range").format(level=self._level_text()),
            }
        )

    def _repr_html_(self) -> str:
        return section_html(self.title, self.findings(), self.report_table())

    def plot(self) -> go.Figure:
        """Each KPI's monthly history and next year's fan (median and range), target dashed."""
        from plotly.subplots import make_subplots

        keys = [(r["kpi"], r["scope"]) for r in self.annual.iter_rows(named=True)]
        fig = make_subplots(
            rows=len(keys),
            cols=1,
            shared_xaxes=True,
            vertical_spacing=0.25 / max(len(keys), 1),
            subplot_titles=[chart_text(kpi_name(k, s)) for k, s in keys],
        )
        for i, ((kpi, scope), r) in enumerate(
            zip(keys, self.annual.iter_rows(named=True), strict=True), start=1
        ):
            rows = self.table.filter(pl.col("kpi") == kpi, pl.col("scope") == scope)
            factor = 100.0 if r["unit"] == "share" else 1.0
            past = rows.filter(pl.col("kind") == "history")
            ahead = rows.filter(pl.col("kind") == "projected")
            xs = ahead["month"].to_list()
            fig.add_scatter(
                x=xs + xs[::-1],
                y=(ahead["projected_hi"] * factor).to_list()
                + (ahead["projected_lo"] * factor).to_list()[::-1],
                fill="toself",
                fillcolor=fade(COLORS["periods"]["forecast"], 0.18),
                line=dict(width=0),
                hoverinfo="skip",
                showlegend=False,
                row=i,
                col=1,
            )
            fig.add_scatter(
                x=past["month"].to_list(),
                y=(past["actual"] * factor).to_list(),
                mode="lines+markers",
                line=dict(color=COLORS["periods"]["current"], width=1.5),
                marker=dict(size=4),
                showlegend=False,
                row=i,
                col=1,
            )
            fig.add_scatter(
                x=xs,
                y=(ahead["projected"] * factor).to_list(),
                mode="lines",
                line=dict(color=COLORS["periods"]["forecast"], width=2, dash="dot"),
                showlegend=False,
                row=i,
                col=1,
            )
            if r["target"] is not None:
                fig.add_hline(
                    y=r["target"] * factor,
                    line=dict(color=TARGET_LINE["color"], dash=TARGET_LINE["dash"], width=1),
                    row=i,
                    col=1,
                )
        fig.update_layout(
            title=titled(
                _("History and projection, {period}").format(period=self.next_year.text),
                _("Shaded: the {level} range of each month; dashed: the target.").format(
                    level=self._level_text()
                ),
            ),
            height=160 + 190 * len(keys),
            showlegend=False,
        )
        months = sorted({m for m in self.table["month"].to_list() if m.month in (1, 7)})
        fig.update_xaxes(tickvals=months, ticktext=[fmt_month(m, short=True) for m in months])
        return fig


# -- computing -------------------------------------------------------------------------------------


def _wanted(targets: pl.DataFrame, kpis, dictionary) -> list[tuple[str, str]]:
    if kpis is not None:
        names = [kpis] if isinstance(kpis, str) else list(kpis)
        unknown = [k for k in names if k not in dictionary]
        if unknown:
            raise OptionError(
                f"kpis={unknown!r}: not in the metric dictionary; known: {', '.join(dictionary)}."
            )
        scoped = {(t["kpi"], t["scope"]) for t in targets.iter_rows(named=True)}
        pairs = [(k, s) for k, s in scoped if k in names] or []
        pairs += [(k, "all") for k in names if not any(p[0] == k for p in pairs)]
    else:
        pairs = [
            (t["kpi"], t["scope"])
            for t in targets.iter_rows(named=True)
            if t["kpi"] in dictionary and dictionary[t["kpi"]].unit != "count"
        ]
        pairs += [p for p in ALWAYS if p not in pairs]
    order = {k: i for i, k in enumerate(dictionary)}
    return sorted(dict.fromkeys(pairs), key=lambda p: (order.get(p[0], 99), p[1]))


def _exposure(
    contacts: pl.LazyFrame, assignments: pl.DataFrame, row: dict, month: tuple, time_zone: str
) -> float:
    """The share of the last history month's contacts already reached by the change: those of a
    unit in a treated arm while the intervention ran (0 once it had ended)."""
    lo, hi = month
    start, end = row["start"], row["end"]
    if (end is not None and end <= lo) or start >= hi:
        return 0.0
    column = {"customer": "customer_id", "agent": "agent_id", "region": "region"}[row["unit"]]
    treated = assignments.filter(
        pl.col("experiment_id") == row["experiment_id"],
        pl.col("arm") != "control",
        pl.col("assigned_at") < hi,
    )["unit_id"]
    share = (
        contacts.filter(pl.col("arrived_at").is_between(lo, hi, closed="left"))
        .select(pl.col(column).is_in(treated.implode()).mean())
        .collect()
        .item()
    )
    return float(share or 0.0)


def _decided(workspace, contacts, dictionary, history_last: tuple, time_zone: str) -> list[dict]:
    """The decided interventions of the registry and the effect each adopted one carries."""
    from cxlab.data import load
    from cxlab.experiments import analyze, registry

    reg = registry(workspace=workspace)
    if "decision" not in reg.columns:
        return []
    reg = reg.filter(pl.col("decision").is_not_null()).sort("experiment_id")
    if reg.height == 0:
        return []
    assignments = load("assignments", workspace=workspace).collect()
    out = []
    for r in reg.iter_rows(named=True):
        metric = r["primary_metric"]
        decided = r.get("decided_on") or history_last[1].astimezone(ZoneInfo(time_zone)).date()
        row = dict(
            experiment_id=r["experiment_id"],
            name=r["name"],
            decision=r["decision"],
            decided_on=decided,
            kpi=metric,
            unit=dictionary[metric].unit if metric in dictionary else "count",
            estimate=None,
            std_error=None,
            ci_low=None,
            ci_high=None,
            exposure=None,
            added=None,
            from_month=None,
            included=False,
            registered=metric,
        )
        if r["decision"] == "adopt" and metric in dictionary:
            report = analyze(r["experiment_id"], workspace=workspace)
            effect = report.effect
            if report.metric in dictionary:  # the measure the design read (e.g. reported FCR)
                row.update(kpi=report.metric, unit=dictionary[report.metric].unit)
            row["registered"] = metric
            exposure = _exposure(contacts, assignments, r, history_last, time_zone)
            first = dt.date(decided.year, decided.month, 1)
            row.update(
                estimate=effect["estimate"],
                std_error=effect["std_error"],
                ci_low=effect["ci_low"],
                ci_high=effect["ci_high"],
                exposure=exposure,
                added=effect["estimate"] * (1 - exposure),
                from_month=first if first == decided else _month_add(first, 1),
            )
        out.append(row)
    return out


def projection(
    year: ReviewYear | Period | str,
    *,
    workspace: str | os.PathLike | None = None,
    kpis: str | list[str] | None = None,
    by: str | None = None,
    horizon: int = 12,
    level: float = 0.9,
    contacts: pl.LazyFrame | None = None,
    decided: bool = True,
    draws: int = DRAWS,
    seed: int = 0,
) -> Projection:
    """Project each targeted KPI over the months after ``year``, with a range for each month
    and for the year as a whole.

    Parameters
    ----------
    year
        Twelve whole months (a :class:`cxlab.review.Period` or its spec: ``"2025-11..2026-10"``,
        ``"2026"``, or a :class:`cxlab.review.ReviewYear`, whose twelve months are read and, when
        no ``workspace`` is given, its workspace): the last year of the history. The history is every complete month of the
        data up to the end of ``year``; the projection covers the ``horizon`` months after it.
    workspace
        The workspace whose contacts, targets and experiments registry are read.
    kpis
        KPIs to project (default: the targets table's KPIs measured on contacts, with their
        scopes, plus FCR, CSAT and AHT).
    by
        A contacts column: KPIs targeted for all contacts are projected per value instead.
    horizon
        Months ahead (12: next year; the year's value needs 12).
    level
        Coverage of the ranges (0.9: a 90% chance of lying inside).
    contacts
        The contacts to read instead of the workspace's (a changed or filtered table).
    decided
        Add the effect of interventions the registry marks adopted (``decision = "adopt"``).
    draws, seed
        Simulations and the seed of their generator.

    Returns
    -------
    Projection

    Raises
    ------
    NotEnoughDataError
        ``year`` is not complete in the data; fewer than 12 complete months; a month of the
        history without contacts (a gap is never bridged: start the history after it).

    References
    ----------
    Hyndman & Athanasopoulos, *Forecasting: Principles and Practice* (2nd ed.), 5.4 and 7.4;
    Gelman et al., *Bayesian Data Analysis* (3rd ed.), 14.2.

    Examples
    --------
    >>> import cxlab as cx  # doctest: +SKIP
    >>> plan = cx.review.projection("2025-11..2026-10")  # doctest: +SKIP
    >>> plan.annual.select("kpi", "scope", "last_year", "projected")  # doctest: +SKIP
    """
    from cxlab._config import settings
    from cxlab.data import load
    from cxlab.features import kpi as kpi_series
    from cxlab.features import metrics, prepare

    if not (0 < level < 1):
        raise OptionError(f"level={level!r} must lie between 0 and 1 (0.9 for a 90% range).")
    if not isinstance(horizon, int) or not 1 <= horizon <= 24:
        raise OptionError(f"horizon={horizon!r} must be a whole number of months from 1 to 24.")
    if isinstance(year, ReviewYear):
        workspace = year.workspace if workspace is None else workspace
        year = year.current
    period = year if isinstance(year, Period) else Period.parse(year)
    if (
        period.start.day != 1
        or len(_months(period.start, period.end)) != 12
        or (period.end.day != 1)
    ):
        raise OptionError(
            f"year={period.label!r} is not twelve whole months; give e.g. '2026' or "
            "'2025-11..2026-10'."
        )
    zone = settings(workspace).time_zone
    contacts = load("contacts", workspace=workspace) if contacts is None else contacts.lazy()
    targets = load("targets", workspace=workspace).collect()
    dictionary = metrics()
    local = pl.col("arrived_at").dt.convert_time_zone(zone)
    first_ts, last_ts = (
        contacts.select(local.min().alias("a"), local.max().alias("b")).collect().row(0)
    )
    if first_ts is None:
        raise NotEnoughDataError("No contacts: nothing to project.")
    first_day, last_day = first_ts.date(), last_ts.date()
    if period.end > last_day + dt.timedelta(days=1):
        raise NotEnoughDataError(
            f"year={period.label!r} ends {period.end - dt.timedelta(days=1)}, after the data "
            f"(last contact on {last_day}): give a year the data cover whole."
        )
    start = dt.date(first_day.year, first_day.month, 1)
    if start != first_day:
        start = _month_add(start, 1)
    months = _months(start, period.end)
    counts = kpi_series(contacts, ["contacts"], every="1mo", time_zone=zone)
    have = {p.date(): v for p, v in zip(counts["period"], counts["value"], strict=True) if v}
    gaps = [m for m in months if not have.get(m)]
    if gaps:
        raise NotEnoughDataError(
            f"The history has months without contacts: {', '.join(map(_iso_month, gaps))}. "
            "A gap is not bridged: project from a year after it, or load the missing months."
        )
    if len(months) < TREND_MONTHS:
        found = f"{_iso_month(months[0])} to {_iso_month(months[-1])}" if months else "none"
        raise NotEnoughDataError(
            f"{len(months)} complete months of history ({found}); a projection needs at least "
            f"{TREND_MONTHS} (and {SEASON_MONTHS} to measure the season)."
        )
    future = [_month_add(period.end, i) for i in range(horizon)]
    last_year = _months(period.start, period.end)
    seasonal = len(months) >= SEASON_MONTHS
    tz = ZoneInfo(zone)
    last_bounds = (  # the last history month, in UTC as stored
        dt.datetime.combine(months[-1], dt.time(), tz).astimezone(dt.UTC),
        dt.datetime.combine(period.end, dt.time(), tz).astimezone(dt.UTC),
    )
    changes = _decided(workspace, contacts, dictionary, last_bounds, zone) if decided else []
    pairs = _wanted(targets, kpis, dictionary)
    if kpis is None:  # the measure an adopted change was read on is projected too
        pairs += [
            (c["kpi"], "all")
            for c in changes
            if c["estimate"] is not None and not any(k == c["kpi"] for k, _s in pairs)
        ]
    if by is not None:  # a KPI targeted for all contacts is projected per value of ``by``
        if by not in contacts.collect_schema().names():
            raise OptionError(f"by={by!r} is not a column of the contacts table.")
        values = contacts.select(pl.col(by).unique().drop_nulls()).collect()[by].sort()
        pairs = [
            p
            for k, s in pairs
            for p in ([(k, f"{by}={v}") for v in values] if s in ("all", "", "*") else [(k, s)])
        ]
    q = ((1 - level) / 2, 0.5, 1 - (1 - level) / 2)
    lo_ts, hi_ts = dt.datetime.combine(months[0], dt.time(), tz).astimezone(dt.UTC), last_bounds[1]
    # the row flags (repeat contacts above all) over every channel first, then the scope: a
    # customer who calls back by chat after a call has a repeat that a phone-only table misses
    window = (
        prepare(contacts.filter(pl.col("arrived_at").is_between(lo_ts, hi_ts, closed="left")))
        .collect()
        .lazy()
    )
    rows, annual, terms, skipped, sims = [], [], [], [], {}
    by_scope: dict[str, pl.DataFrame] = {}
    for scope in dict.fromkeys(s for _k, s in pairs):
        names = sorted({k for k, s in pairs if s == scope})
        by_scope[scope] = kpi_series(
            window.filter(_scope(scope)), names, every="1mo", time_zone=zone
        ).with_columns(pl.col("period").dt.date().alias("month"))
    target_of = {
        (t["kpi"], t["scope"]): (t["target"], t["direction"]) for t in targets.iter_rows(named=True)
    }
    from cxlab.review._plan_model import term_names

    for kpi, scope in pairs:
        m = dictionary[kpi]
        series = by_scope[scope].filter(pl.col("kpi") == kpi)
        got = {r["month"]: r for r in series.iter_rows(named=True) if r["value"] is not None}
        missing = [mm for mm in months if mm not in got]
        if missing:
            skipped.append((kpi, scope, ", ".join(map(_iso_month, missing[:6]))))
            continue
        values = np.array([got[mm]["value"] for mm in months])
        model = fit(values, months, m.unit, seasonal=seasonal)
        # one stream per KPI and scope, another for the changes: a KPI's draws do not depend on
        # which other KPIs are projected or on the changes added to it
        stream = zlib.crc32(f"{kpi}|{scope}".encode())
        rng, effects = (np.random.default_rng([seed, stream, k]) for k in (0, 1))
        z = model.simulate(future, draws, rng)
        paths = from_scale(z, m.unit)
        effect_mean = np.zeros(horizon)
        for c in changes:
            if c["kpi"] != kpi or c["decision"] != "adopt" or c["from_month"] is None:
                continue
            c["included"] = True
            after = np.array([f >= c["from_month"] for f in future], float)
            size = effects.normal(c["estimate"], c["std_error"] or 0.0, draws) * (1 - c["exposure"])
            paths = paths + size[:, None] * after[None, :]
            effect_mean += c["added"] * after
        paths = np.clip(paths, *BOUNDS[m.unit]) if m.unit in BOUNDS else np.maximum(paths, 0.0)
        weights = np.array(
            [
                got[_month_add(f, -12)]["denominator"] if _month_add(f, -12) in got else np.nan
                for f in future
            ]
        )
        weights = np.where(np.isnan(weights), np.nanmean(weights), weights)
        year_draws = (paths * weights).sum(1) / weights.sum()
        sims[(kpi, scope)] = (paths, year_draws)
        band = np.quantile(paths, q, axis=0)
        for mm in months:
            rows.append(
                dict(kpi=kpi, scope=scope, unit=m.unit, month=mm, kind="history",
                     actual=got[mm]["value"], projected=None, projected_lo=None,
                     projected_hi=None, denominator=got[mm]["denominator"], decided_effect=None)
            )  # fmt: skip
        for i, f in enumerate(future):
            rows.append(
                dict(kpi=kpi, scope=scope, unit=m.unit, month=f, kind="projected", actual=None,
                     projected=float(band[1, i]), projected_lo=float(band[0, i]),
                     projected_hi=float(band[2, i]), denominator=float(weights[i]),
                     decided_effect=float(effect_mean[i]))
            )  # fmt: skip
        num = sum(got[mm]["numerator"] for mm in last_year)
        den = sum(got[mm]["denominator"] for mm in last_year)
        yq = np.quantile(year_draws, q)
        target, direction = target_of.get((kpi, scope), (None, None))
        annual.append(
            dict(
                kpi=kpi,
                scope=scope,
                unit=m.unit,
                higher_is_better=m.higher_is_better,
                last_year=num / den if den else None,
                projected=float(yq[1]),
                projected_lo=float(yq[0]),
                projected_hi=float(yq[2]),
                months_used=len(months),
                seasonal=seasonal,
                decided_effect=float((effect_mean * weights).sum() / weights.sum()),
                target=target,
                direction=direction,
            )
        )
        for name, est, se in zip(
            term_names(model.harmonics), model.beta, model.std_errors, strict=True
        ):
            terms.append(
                dict(kpi=kpi, scope=scope, term=name, estimate=float(est), std_error=float(se))
            )
        terms.append(
            dict(
                kpi=kpi,
                scope=scope,
                term="residual_sd",
                estimate=float(np.sqrt(model.s2)),
                std_error=None,
            )
        )
    if not annual:
        raise NotEnoughDataError(
            "No KPI could be projected: each has a month without a measurement ("
            + "; ".join(f"{k} {s}: {ms}" for k, s, ms in skipped)
            + ")."
        )
    table_schema = {
        "kpi": pl.Utf8, "scope": pl.Utf8, "unit": pl.Utf8, "month": pl.Date, "kind": pl.Utf8,
        "actual": pl.Float64, "projected": pl.Float64, "projected_lo": pl.Float64,
        "projected_hi": pl.Float64, "denominator": pl.Float64, "decided_effect": pl.Float64,
    }  # fmt: skip
    annual_schema = {
        "kpi": pl.Utf8, "scope": pl.Utf8, "unit": pl.Utf8, "higher_is_better": pl.Boolean,
        "last_year": pl.Float64, "projected": pl.Float64, "projected_lo": pl.Float64,
        "projected_hi": pl.Float64, "months_used": pl.Int64, "seasonal": pl.Boolean,
        "decided_effect": pl.Float64, "target": pl.Float64, "direction": pl.Utf8,
    }  # fmt: skip
    change_schema = {
        "experiment_id": pl.Utf8, "name": pl.Utf8, "decision": pl.Utf8, "decided_on": pl.Date,
        "kpi": pl.Utf8, "unit": pl.Utf8, "estimate": pl.Float64, "std_error": pl.Float64,
        "ci_low": pl.Float64, "ci_high": pl.Float64, "exposure": pl.Float64,
        "added": pl.Float64, "from_month": pl.Date, "included": pl.Boolean,
        "registered": pl.Utf8,
    }  # fmt: skip
    terms_schema = {
        "kpi": pl.Utf8, "scope": pl.Utf8, "term": pl.Utf8, "estimate": pl.Float64,
        "std_error": pl.Float64,
    }  # fmt: skip
    return Projection(
        table=pl.DataFrame(rows, schema=table_schema),
        annual=pl.DataFrame(annual, schema=annual_schema),
        terms=pl.DataFrame(terms, schema=terms_schema),
        changes=pl.DataFrame(changes, schema=change_schema),
        skipped=tuple(skipped),
        year=period,
        next_year=Period(
            label=f"{_iso_month(future[0])}..{_iso_month(future[-1])}",
            start=future[0],
            end=_month_add(future[-1], 1),
            unit="year" if future[0].month == 1 and horizon == 12 else "range",
        ),
        level=level,
        history=(months[0], months[-1]),
        draws=sims,
        targets=targets,
        workspace=None if workspace is None else str(workspace),
        time_zone=zone,
    )
