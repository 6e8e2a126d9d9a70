"""Targets read off next year's projection: the value reached with a stated probability.

A target on the year's value (the annual KPI) is met with probability ``p`` when a share ``p`` of
the simulated years reach it: for a "≥" KPI the ``1 - p`` quantile of the year's draws, for a "≤"
KPI the ``p`` quantile, rounded the way a plan writes it (towards the safe side, so the stated
probability is at least ``p``). Each existing target gets its probability of being met by the year
and the expected number of months that meet it. Where staffing drives a target (service level,
answer rate, abandonment on the phone or chat channels) the agents it needs in the projected
busiest hour of next year's peak month are compared at the proposed and the current target.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import polars as pl

from cxlab._errors import OptionError
from cxlab._exports import exports_dir, write_export
from cxlab._present import _, fmt_month, fmt_value, ngettext
from cxlab._result import Result
from cxlab.review._plan import Projection
from cxlab.review._show import cap, chart_text, fmt_duration, kpi_name, section_html, titled
from cxlab.viz import COLORS

STEPS = {"share": 0.005, "score": 0.05, "seconds": 5.0, "per_contact": 0.01}
"""How a plan writes a target: rates to 0.5 pp, CSAT to 0.05, times to 5 s."""
STAFFED = ("service_level", "answer_rate", "abandonment_rate")
CHANNELS = ("phone", "chat")
MAX_AGENTS = 2000


def plan_round(value: float, unit: str, direction: str) -> float:
    """``value`` on the plan's grid, rounded towards the easier side of a ``direction`` target
    (down for "≥", up for "≤"), so the probability of meeting it is not less than stated."""
    step = STEPS.get(unit, 1.0)
    k = value / step
    k = math.floor(k + 1e-9) if direction == ">=" else math.ceil(k - 1e-9)
    return round(k * step, 6)


def _met(draws: np.ndarray, target: float, direction: str) -> np.ndarray:
    return draws >= target - 1e-12 if direction == ">=" else draws <= target + 1e-12


# -- staffing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeakHour:
    """Next year's busiest hour of a channel: calls per hour, handle time and patience."""

    channel: str
    month: dt.date
    hour: int
    volume: float
    aht_seconds: float
    patience_seconds: float
    sl_seconds: float


def peak_hours(projection: Projection, contacts: pl.LazyFrame) -> dict[str, PeakHour]:
    """For phone and chat: the busiest hour of day, on average over the weekdays of last
    year's busiest month, its volume scaled by the growth of the year's volume over the year
    before (1 without two years), with that month's handle time and the channel's patience."""
    from cxlab.features import MetricConfig
    from cxlab.staffing import patience

    zone = projection.time_zone or "UTC"
    lo, hi = projection.year.utc_bounds(zone)
    local = pl.col("arrived_at").dt.convert_time_zone(zone)
    prior = projection.year.shift(-12)
    frame = (
        contacts.filter(pl.col("channel").is_in(CHANNELS))
        .filter(pl.col("arrived_at").is_between(*prior.utc_bounds(zone), closed="left"))
        .select(pl.len())
        .collect()
        .item()
    )
    out = {}
    config = MetricConfig()
    waits = patience(
        contacts.filter(pl.col("arrived_at").is_between(lo, hi, closed="left")),
        by="channel",
        missing="empty",
    ).as_dict()
    for channel in CHANNELS:
        mine = contacts.filter(
            pl.col("channel") == channel, pl.col("arrived_at").is_between(lo, hi, closed="left")
        ).with_columns(local.alias("local"))
        months = (
            mine.group_by(pl.col("local").dt.truncate("1mo").dt.date().alias("month"))
            .len()
            .sort("len", descending=True)
            .collect()
        )
        if months.height == 0:
            continue
        peak = months["month"][0]
        days = mine.filter(
            pl.col("local").dt.truncate("1mo").dt.date() == peak,
            pl.col("local").dt.weekday() <= 5,
        ).with_columns(
            pl.col("local").dt.date().alias("day"), pl.col("local").dt.hour().alias("hour")
        )
        n_days = days.select(pl.col("day").n_unique()).collect().item()
        by_hour = days.group_by("hour").len().sort("len", descending=True).collect()
        aht = days.select(pl.col("handle_seconds").mean()).collect().item()
        before = (
            contacts.filter(
                pl.col("channel") == channel,
                pl.col("arrived_at").is_between(*prior.utc_bounds(zone), closed="left"),
            )
            .select(pl.len())
            .collect()
            .item()
        )
        now = mine.select(pl.len()).collect().item()
        growth = now / before if frame and before else 1.0
        out[channel] = PeakHour(
            channel=channel,
            month=dt.date(peak.year + 1, peak.month, 1),
            hour=int(by_hour["hour"][0]),
            volume=float(by_hour["len"][0]) / max(n_days, 1) * growth,
            aht_seconds=float(aht or 0.0),
            patience_seconds=float(waits.get(channel, math.inf)),
            sl_seconds=float(config.sl_seconds.get(channel, 20.0)),
        )
    return out


def agents_for(kpi: str, target: float, peak: PeakHour) -> int | None:
    """Agents on the line in the peak hour for ``kpi`` to reach ``target``: Erlang C for the
    service level, Erlang A (with the channel's patience) for the answer and abandonment rates.
    ``None`` when no number of agents up to :data:`MAX_AGENTS` reaches it."""
    from cxlab.staffing import erlang_a, service_level

    if peak.volume <= 0 or peak.aht_seconds <= 0:
        return 0
    rate = peak.volume / 3600.0
    traffic = rate * peak.aht_seconds
    n = np.arange(max(int(traffic), 1), MAX_AGENTS + 1)
    if kpi == "service_level":
        ok = np.asarray(service_level(traffic, n, peak.aht_seconds, peak.sl_seconds)) >= target
    else:
        a = erlang_a(rate, n, peak.aht_seconds, peak.patience_seconds, peak.sl_seconds)
        lost = np.asarray(a.p_abandon)
        ok = (1 - lost >= target) if kpi == "answer_rate" else (lost <= target)
    hit = np.flatnonzero(ok)
    return int(n[hit[0]]) if hit.size else None


# -- the result ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetProposal(Result):
    """Targets for next year at stated probabilities, and the odds of the current targets.

    ``table``: one row per KPI and scope: ``direction``, ``current_target``, ``p_current`` (the
    probability that the year's value meets it), ``months_meeting`` (the expected number of
    months that meet it), ``target_p90``, ``target_p75``, ``target_p50`` (one column per stated
    probability: the target reached with it), ``proposed`` (at ``probability``), and, where
    staffing drives the KPI, ``agents_current``, ``agents_proposed`` and ``agents_change`` in the
    projected peak hour (``peak_month``, ``peak_hour``, ``peak_volume``).
    """

    table: pl.DataFrame
    probability: float
    probabilities: tuple[float, ...]
    projection: Projection = field(repr=False, compare=False)

    @property
    def title(self) -> str:
        return _("Targets for {period}").format(period=self.projection.next_year.text)

    def summary(self) -> pl.DataFrame:
        return self.table

    def _target_text(self, kpi: str, scope: str, direction: str, value: float, unit: str) -> str:
        sign = "≥ " if direction == ">=" else "≤ "
        return f"{kpi_name(kpi, scope)} {sign}{_plan_value(value, unit)}"

    def findings(self) -> list[str]:
        """Each current target's odds for the year and its months, then the proposal, then the
        agents a staffed target costs in the peak hour."""
        out = []
        share = lambda p: fmt_value(p, "share", decimals=0)  # noqa: E731
        for r in self.table.iter_rows(named=True):
            if r["current_target"] is not None:
                out.append(
                    _(
                        "{target}: {chance} likely for next year as a whole; on average "
                        "{months} of 12 months would meet it."
                    ).format(
                        target=cap(
                            self._target_text(
                                r["kpi"], r["scope"], r["direction"], r["current_target"], r["unit"]
                            )
                        ),
                        chance=share(r["p_current"]),
                        months=fmt_value(r["months_meeting"], "count"),
                    )
                )
            proposed = dict(
                target=self._target_text(
                    r["kpi"], r["scope"], r["direction"], r["proposed"], r["unit"]
                ),
                chance=share(r["p_proposed"]),
                months=fmt_value(r["months_proposed"], "count"),
            )
            if r["current_target"] is None:
                words = _(
                    "Proposed: {target} ({chance} likely for the year; on average {months} of 12 "
                    "months would meet it). There is no current target for it, so the file of "
                    "proposed targets does not add one."
                )
            elif (r["proposed"] - r["current_target"]) * (1 if r["direction"] == ">=" else -1) < 0:
                words = _(
                    "Proposed: {target} ({chance} likely for the year; on average {months} of 12 "
                    "months would meet it), looser than the current target, which next year is "
                    "unlikely to meet."
                )
            else:
                words = _(
                    "Proposed: {target} ({chance} likely for the year; on average {months} of 12 "
                    "months would meet it)."
                )
            out.append(words.format(**proposed))
            if r["agents_change"] == 0:
                out.append(
                    _(
                        "{metric}: the proposed target needs no more agents than the current "
                        "one in the peak hour ({hour}:00, {month})."
                    ).format(
                        metric=cap(kpi_name(r["kpi"], r["scope"])),
                        hour=f"{r['peak_hour']:02d}",
                        month=fmt_month(r["peak_month"]),
                    )
                )
            elif r["agents_change"] is not None:
                change = int(r["agents_change"])
                words = ngettext(
                    "{metric}: {change} agent in the peak hour ({hour}:00, {month}) at the "
                    "proposed target compared with the current one.",
                    "{metric}: {change} agents in the peak hour ({hour}:00, {month}) at the "
                    "proposed target compared with the current one.",
                    abs(change),
                )
                out.append(
                    words.format(
                        metric=cap(kpi_name(r["kpi"], r["scope"])),
                        change=f"{change:+d}",
                        hour=f"{r['peak_hour']:02d}",
                        month=fmt_month(r["peak_month"]),
                    )
                )
        out.append(
            _(
                "A target's chance is that of the year's value (all twelve months together) "
                "meeting it; the months are counted separately."
            )
        )
        return out

    def _repr_html_(self) -> str:
        return section_html(self.title, self.findings(), self.report_table())

    def report_table(self) -> pl.DataFrame:
        """The proposal in words: measure, current target, its chance, the proposed target."""
        rows = []
        for r in self.table.iter_rows(named=True):
            sign = "≥ " if r["direction"] == ">=" else "≤ "
            rows.append(
                {
                    "kpi_text": kpi_name(r["kpi"], r["scope"]),
                    "current_text": sign + _plan_value(r["current_target"], r["unit"])
                    if r["current_target"] is not None
                    else "",
                    "chance_text": fmt_value(r["p_current"], "share", decimals=0)
                    if r["p_current"] is not None
                    else "",
                    "proposed_text": sign + _plan_value(r["proposed"], r["unit"]),
                    "proposed_chance": fmt_value(r["p_proposed"], "share", decimals=0),
                }
            )
        columns = ("kpi_text", "current_text", "chance_text", "proposed_text", "proposed_chance")
        schema = {k: pl.Utf8 for k in columns}
        return pl.DataFrame(rows, schema=schema).rename(
            {
                "kpi_text": _("Measure"),
                "current_text": _("Current target"),
                "chance_text": _("Chance of meeting it"),
                "proposed_text": _("Proposed target"),
                "proposed_chance": _("Its chance (at least {chance})").format(
                    chance=fmt_value(self.probability, "share", decimals=0)
                ),
            }
        )

    def plot(self) -> go.Figure:
        """The chance that the year meets each current target."""
        t = self.table.filter(pl.col("p_current").is_not_null())
        names = [chart_text(kpi_name(k, s)) for k, s in zip(t["kpi"], t["scope"], strict=True)]
        fig = go.Figure()
        fig.add_bar(
            y=names,
            x=(t["p_current"] * 100).to_list(),
            orientation="h",
            marker_color=[
                COLORS["good"] if p >= self.probability else COLORS["bad"] for p in t["p_current"]
            ],
            text=[fmt_value(p, "share", decimals=0) for p in t["p_current"]],
            textposition="auto",
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
        fig.update_layout(
            title=titled(
                _("Chance of meeting each current target, {period}").format(
                    period=self.projection.next_year.text
                ),
                _("Of the year's value; green: at least {chance}.").format(
                    chance=fmt_value(self.probability, "share", decimals=0)
                ),
            ),
            xaxis=dict(title="%", range=[0, 100]),
            yaxis=dict(autorange="reversed", automargin=True),
            height=170 + 40 * max(t.height, 1),
        )
        return fig

    def targets(self, *, new: bool = False) -> pl.DataFrame:
        """The whole targets table with the proposals in it: every existing row kept, the
        projected ones with their proposed target and a description saying so (``new``: rows
        for projected KPIs without a target are added, period ``monthly``)."""
        current = self.projection.targets
        proposed = {(r["kpi"], r["scope"]): r for r in self.table.iter_rows(named=True)}
        rows = []
        for t in current.iter_rows(named=True):
            r = proposed.pop((t["kpi"], t["scope"]), None)
            if r is not None:
                t = {**t, "target": r["proposed"], "description": self._description(r)}
            rows.append(t)
        if new:
            for r in proposed.values():
                rows.append(
                    dict(
                        kpi=r["kpi"],
                        scope=r["scope"],
                        period="monthly",
                        target=r["proposed"],
                        direction=r["direction"],
                        description=self._description(r),
                    )
                )
        return pl.DataFrame(rows, schema=current.schema)

    def _description(self, r: dict) -> str:
        return _("{target}, proposed for {period} ({chance} likely for the year)").format(
            target=self._target_text(
                r["kpi"], r["scope"], r["direction"], r["proposed"], r["unit"]
            ),
            period=self.projection.next_year.text,
            chance=fmt_value(r["p_proposed"], "share", decimals=0),
        )

    def write(self, path: str | os.PathLike, *, new: bool = False) -> str:
        """Write the targets table with the proposals as a CSV that ``cxlab data ingest FILE
        --table targets`` stores whole: it replaces the table, so every existing target is in
        the file, the ones not projected unchanged. The file appears whole or not at all.
        Returns the path."""
        return str(write_export(self.targets(new=new), path))

    def save(self, directory: str | os.PathLike | None = None, *, new: bool = False) -> Path:
        """:meth:`write` to ``<directory>/targets-proposed-<next year>.csv`` (default: the
        workspace's ``data/exports``, outside the published reports); returns the path."""
        first, last = self.projection.next_year.start, self.projection.next_year.end
        last = last - dt.timedelta(days=1)
        name = f"targets-proposed-{first:%Y-%m}..{last:%Y-%m}.csv"
        if directory in (None, ""):
            from cxlab._config import settings

            folder = settings(self.projection.workspace).data_dir / "exports"
        else:
            folder = exports_dir(directory)
        return Path(self.write(folder / name, new=new))

    def adopt_note(self, path: str | os.PathLike) -> str:
        """The one command that adopts the proposal, for the report: the file is named from the
        workspace folder when it lies inside it."""
        from cxlab._config import settings

        shown = Path(path)
        try:
            home = settings(self.projection.workspace).workspace.resolve()
            shown = shown.resolve().relative_to(home)
        except ValueError:
            pass
        return _(
            "To adopt these targets, run `cxlab data ingest {file} --table targets` in the "
            "workspace: the file holds the whole targets table, the proposed values in place of "
            "the current ones and every other target unchanged."
        ).format(file=shown.as_posix())


def _digits(unit: str) -> int | None:
    return {"share": 1, "score": 2}.get(unit)


def _plan_value(value: float, unit: str) -> str:
    """A target as the plan writes it: rates to 0.1 pp, CSAT to 0.01, times in whole seconds
    (a 5 s grid read in minutes would round it away)."""
    if unit == "seconds":
        return fmt_duration(value, "s", decimals=0)
    return fmt_value(value, unit, decimals=_digits(unit))


def propose_targets(
    projection: Projection,
    *,
    probabilities: tuple[float, ...] = (0.9, 0.75, 0.5),
    probability: float = 0.75,
    contacts: pl.LazyFrame | None = None,
) -> TargetProposal:
    """Targets reached with each stated probability, the odds of the current targets, and the
    agents a staffed target costs in next year's busiest hour.

    Parameters
    ----------
    projection
        From :func:`cxlab.review.projection` (12 months ahead).
    probabilities
        The probabilities to state a target at (the year's value reaching it).
    probability
        The one the proposal is made at (one row per KPI and scope).
    contacts
        The contacts for the peak hour (default: the projection's workspace's).

    Returns
    -------
    TargetProposal

    References
    ----------
    Erlang C: Gans, Koole & Mandelbaum (2003); Erlang A: Garnett, Mandelbaum & Reiman (2002).

    Examples
    --------
    >>> import cxlab as cx  # doctest: +SKIP
    >>> proposal = cx.review.propose_targets(cx.review.projection("2025-11..2026-10"))  # doctest: +SKIP
    >>> proposal.write("targets_2027.csv")  # doctest: +SKIP
    """
    from cxlab.data import load

    wanted = tuple(dict.fromkeys([*probabilities, probability]))
    for p in wanted:
        if not (isinstance(p, (int, float)) and math.isfinite(p) and 0 < p < 1):
            raise OptionError(f"probability {p!r} must lie strictly between 0 and 1.")
    if contacts is None:
        contacts = load("contacts", workspace=projection.workspace)
    contacts = contacts.lazy()
    peaks = None
    rows = []
    for r in projection.annual.iter_rows(named=True):
        kpi, scope, unit = r["kpi"], r["scope"], r["unit"]
        paths, year = projection.draws[(kpi, scope)]
        direction = r["direction"] or (">=" if r["higher_is_better"] is not False else "<=")
        row = dict(kpi=kpi, scope=scope, unit=unit, direction=direction)
        row["current_target"] = r["target"]
        row["p_current"] = None
        row["months_meeting"] = None
        if r["target"] is not None:
            row["p_current"] = float(_met(year, r["target"], direction).mean())
            row["months_meeting"] = float(_met(paths, r["target"], direction).mean(0).sum())
        for p in wanted:
            q = np.quantile(year, 1 - p if direction == ">=" else p)
            row[f"target_p{round(p * 100)}"] = plan_round(float(q), unit, direction)
        row["proposed"] = row[f"target_p{round(probability * 100)}"]
        row["p_proposed"] = float(_met(year, row["proposed"], direction).mean())
        row["months_proposed"] = float(_met(paths, row["proposed"], direction).mean(0).sum())
        row.update(
            agents_current=None,
            agents_proposed=None,
            agents_change=None,
            peak_month=None,
            peak_hour=None,
            peak_volume=None,
        )
        channel = scope.split("=", 1)[1] if scope.startswith("channel=") else None
        if kpi in STAFFED and channel in CHANNELS:
            peaks = peak_hours(projection, contacts) if peaks is None else peaks
            peak = peaks.get(channel)
            if peak is not None:
                now = agents_for(kpi, r["target"], peak) if r["target"] is not None else None
                new = agents_for(kpi, row["proposed"], peak)
                row.update(
                    agents_current=now,
                    agents_proposed=new,
                    agents_change=None if now is None or new is None else new - now,
                    peak_month=peak.month,
                    peak_hour=peak.hour,
                    peak_volume=peak.volume,
                )
        rows.append(row)
    columns = [f"target_p{round(p * 100)}" for p in wanted]
    schema = {
        "kpi": pl.Utf8,
        "scope": pl.Utf8,
        "unit": pl.Utf8,
        "direction": pl.Utf8,
        "current_target": pl.Float64,
        "p_current": pl.Float64,
        "months_meeting": pl.Float64,
        **{c: pl.Float64 for c in columns},
        "proposed": pl.Float64,
        "p_proposed": pl.Float64,
        "months_proposed": pl.Float64,
        "agents_current": pl.Int64,
        "agents_proposed": pl.Int64,
        "agents_change": pl.Int64,
        "peak_month": pl.Date,
        "peak_hour": pl.Int64,
        "peak_volume": pl.Float64,
    }
    return TargetProposal(
        table=pl.DataFrame(rows, schema=schema),
        probability=probability,
        probabilities=tuple(probabilities),
        projection=projection,
    )
