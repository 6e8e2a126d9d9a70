"""Every registered intervention at a glance: its status, verdict and effect, and a card for the index.

:func:`overview` analyses each intervention of the registry with the design the registry gives it
and returns an :class:`Overview`; ``Overview.headline()`` gives one card per intervention
(``experiment_<id>``: the verdict, with its status and period), which a report records with
``cx.record(*overview.headline())`` so the index lists every intervention, not only the latest.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import polars as pl

from cxlab._errors import CxlabError
from cxlab._present import (
    N_,
    Headline,
    _,
    fmt_change,
    fmt_interval,
    fmt_list,
    gettext,
    label,
    ngettext,
)
from cxlab._result import Result
from cxlab.experiments._report import local_day
from cxlab.experiments._text import (
    INTERIM,
    LIKELY_EFFECT,
    VERDICTS,
    level_text,
    metric_info,
    running_period,
    verdict_word,
)

STATUS = {"finished": N_("Finished"), "running": N_("Running"), "not_started": N_("Not started")}
STATUS_CARD = {
    "finished": N_("Finished"),
    "running": INTERIM,
    "not_started": N_("Not started"),
}
NO_VERDICT = N_("Not enough data yet")


@dataclass(frozen=True)
class Overview(Result):
    """One row per registered intervention: design, period, status, verdict and primary effect."""

    table: pl.DataFrame
    alpha: float

    @property
    def title(self) -> str:
        return _("Every registered intervention")

    def summary(self) -> pl.DataFrame:
        return self.table

    def findings(self) -> list[str]:
        """How many interventions and their verdicts, only the counts there are: "All 5 registered
        interventions are to be rolled out. Of these, 3 are still running (interim results) and 1
        comes with a caution (a check of its design is borderline or failed)."."""
        t = self.table
        n = t.height
        if n == 0:
            return [_("No intervention is registered.")]
        verdicts = [
            ("likely" if c and v == "ship" else v) if v in VERDICTS else None
            for v, c in zip(t["verdict"].to_list(), t["caution"].to_list(), strict=True)
        ]
        groups = ("ship", "likely", *list(VERDICTS)[1:], None)
        counts = {v: verdicts.count(v) for v in groups if verdicts.count(v)}
        if len(counts) == 1:
            (only,) = counts
            out = [_all_same(only, n)]
        else:
            parts = [_part(v, k) for v, k in counts.items()]
            out = [
                ngettext(
                    "{n} intervention is registered: {parts}.",
                    "{n} interventions are registered: {parts}.",
                    n,
                ).format(n=n, parts=fmt_list(parts))
            ]
        running = int((t["status"] == "running").sum())
        # a "roll out" the design cannot prove is its own group above; the caution counts the rest
        cautious = int((t["caution"] & (t["verdict"] != "ship")).sum())
        running_part = ngettext(
            "{k} is still running (an interim result)",
            "{k} are still running (interim results)",
            running,
        ).format(k=running)
        caution_part = ngettext(
            "{k} comes with a caution (a check of its design is borderline or failed)",
            "{k} come with a caution (a check of their design is borderline or failed)",
            cautious,
        ).format(k=cautious)
        if running and cautious:
            out.append(
                _("Of these, {running} and {caution}.").format(
                    running=running_part, caution=caution_part
                )
            )
        elif running or cautious:
            out.append(
                _("Of these, {part}.").format(part=running_part if running else caution_part)
            )
        return out

    def _period(self, r: dict) -> tuple[str, str]:
        """The card's period: it never ends after the data."""
        if r["status"] == "running" and r["data_end"]:
            last = dt.date.fromisoformat(r["data_end"]) + dt.timedelta(days=1)
            return r["start"], min(r["end"], last.isoformat())
        return r["start"], r["end"]

    def headline(self) -> list[Headline]:
        """One card per intervention: the verdict (with its caution), whether it is interim, and
        its period up to the data's end (for the index)."""
        cards = []
        for r in self.table.iter_rows(named=True):
            value = VERDICTS.get(r["verdict"], NO_VERDICT) if r["verdict"] else NO_VERDICT
            if r["verdict"] == "ship" and r["caution"]:
                value = LIKELY_EFFECT
            cards.append(
                Headline(
                    key=f"experiment_{r['experiment_id']}",
                    label=r["name"],
                    value=value,
                    unit="text",
                    period=self._period(r),
                    detail=STATUS_CARD[r["status"]],
                )
            )
        return cards

    def view(self) -> pl.DataFrame:
        """The table a reader reads: every intervention with its words and formatted effect."""
        rows = []
        for r in self.table.iter_rows(named=True):
            effect = interval = "–"
            name, unit, _hib = metric_info(r["metric"])
            if r["estimate"] is not None:
                effect = fmt_change(r["estimate"], unit)
                interval = fmt_interval(r["ci_low"], r["ci_high"], unit)
            verdict = verdict_word(r["verdict"]) if r["verdict"] else gettext(NO_VERDICT)
            if r["caution"] and r["verdict"] == "ship":
                verdict = gettext(LIKELY_EFFECT)
            elif r["caution"]:
                verdict = _("{verdict}, with a caution").format(verdict=verdict)
            rows.append(
                {
                    _("Intervention"): label(r["name"]),
                    _("Verdict"): verdict,
                    _("Primary measure"): name,
                    _("Effect"): effect,
                    _("Likely range ({level})").format(level=level_text(self.alpha)): interval,
                    _("Progress"): gettext(STATUS[r["status"]]),
                    _("Period"): running_period(r["start"], r["data_end"])
                    if r["status"] == "running" and r["data_end"]
                    else _period(r["start"], r["end"]),
                }
            )
        return pl.DataFrame(rows)

    def _repr_html_(self) -> str:
        from cxlab._present import CSS, findings_html, table_html

        return (
            f"{CSS}<div class='cx-result'>{findings_html(self.findings())}"
            f"{table_html(self.view())}</div>"
        )

    def plot(self):
        """Every intervention on a timeline, from its start to its end (or the data's end while
        it runs), coloured by its verdict."""
        import plotly.graph_objects as go

        from cxlab.experiments._charts import date_axis, layout
        from cxlab.viz import COLORS

        colours = {
            "ship": COLORS["good"],
            "likely": COLORS["primary"],
            "do not ship": COLORS["bad"],
            "not enough evidence yet": COLORS["muted"],
            "no direction": COLORS["accent"],
            None: COLORS["muted"],
        }
        fig = go.Figure()
        shown = set()
        for r in self.table.iter_rows(named=True):
            start, end = self._period(r)
            key = "likely" if r["verdict"] == "ship" and r["caution"] else r["verdict"]
            key = key if key in colours else None
            word = (
                gettext(LIKELY_EFFECT)
                if key == "likely"
                else verdict_word(key)
                if key
                else gettext(NO_VERDICT)
            )
            name = label(r["name"])
            fig.add_trace(
                go.Scatter(
                    x=[start, end],
                    y=[name, name],
                    mode="lines+markers",
                    line=dict(color=colours[key], width=8),
                    marker=dict(color=colours[key], size=8),
                    name=word,
                    legendgroup=word,
                    showlegend=word not in shown,
                )
            )
            shown.add(word)
        fig.update_yaxes(autorange="reversed")
        date_axis(fig)
        layout(fig, self.title)
        return fig


def _all_same(verdict: str | None, n: int) -> str:
    """Every registered intervention has the same verdict: "All 5 ... are to be rolled out"."""
    if verdict == "ship":
        text = ngettext(
            "{n} intervention is registered: it is to be rolled out.",
            "All {n} registered interventions are to be rolled out.",
            n,
        )
    elif verdict == "likely":
        text = ngettext(
            "{n} intervention is registered: its effect is likely but not proven, so its pilot "
            "should be extended before rolling out.",
            "All {n} registered interventions have a likely but unproven effect: extend their "
            "pilots before rolling out.",
            n,
        )
    elif verdict == "do not ship":
        text = ngettext(
            "{n} intervention is registered: it is not to be rolled out.",
            "None of the {n} registered interventions is to be rolled out.",
            n,
        )
    elif verdict == "not enough evidence yet":
        text = ngettext(
            "{n} intervention is registered: it does not have enough evidence yet.",
            "None of the {n} registered interventions has enough evidence yet.",
            n,
        )
    elif verdict == "no direction":
        text = ngettext(
            "{n} intervention is registered: its measure changed, but which direction is better "
            "was not declared.",
            "All {n} registered interventions changed a measure whose better direction was not "
            "declared.",
            n,
        )
    else:
        text = ngettext(
            "{n} intervention is registered: it has too little data yet.",
            "None of the {n} registered interventions has enough data yet.",
            n,
        )
    return text.format(n=n)


def _part(verdict: str | None, k: int) -> str:
    """One verdict's count in a list: "3 to roll out"."""
    if verdict == "ship":
        return _("{k} to roll out").format(k=k)
    if verdict == "likely":
        return _("{k} with a likely effect, to pilot further before rolling out").format(k=k)
    if verdict == "do not ship":
        return _("{k} not to roll out").format(k=k)
    if verdict == "not enough evidence yet":
        return _("{k} without enough evidence yet").format(k=k)
    if verdict == "no direction":
        return _("{k} without a verdict (better direction not declared)").format(k=k)
    return _("{k} with too little data yet").format(k=k)


def _period(start: str, end: str) -> str:
    from cxlab._present import fmt_period

    return fmt_period(start, end)


def _status(start: dt.datetime, end: dt.datetime, last: dt.datetime | None) -> str:
    if last is None or last < start:
        return "not_started"
    return "finished" if end <= last else "running"


def overview(*, workspace: str | os.PathLike | None = None, alpha: float = 0.05) -> Overview:
    """Analyse every registered intervention: status, verdict and primary effect of each.

    The status compares the intervention's dates with the newest contact in the data: finished,
    running (the verdict is an interim reading) or not started.

    Examples
    --------
    >>> import cxlab as cx  # doctest: +SKIP
    >>> portfolio = cx.experiments.overview()  # doctest: +SKIP
    >>> cx.record(*portfolio.headline())  # doctest: +SKIP
    """
    from cxlab.data import load
    from cxlab.experiments._registry import analyze, registry

    reg = registry(workspace=workspace, local=True)
    last = load("contacts", workspace=workspace).select(pl.col("arrived_at").max()).collect().item()
    rows = []
    for r in reg.iter_rows(named=True):
        row = dict(
            experiment_id=r["experiment_id"],
            name=r["name"],
            design=r["design"],
            start=local_day(r["start"]),
            end=local_day(r["end"]),
            status=_status(r["start"], r["end"], last),
            data_end=local_day(last.astimezone(r["start"].tzinfo)) if last is not None else None,
            metric=r["primary_metric"],
            verdict=None,
            estimate=None,
            ci_low=None,
            ci_high=None,
            caution=False,
        )
        try:
            rep = analyze(r["experiment_id"], workspace=workspace, alpha=alpha)
        except CxlabError:
            rows.append(row)
            continue
        row.update(
            metric=rep.metric,
            verdict=rep.verdict,
            estimate=rep.effect["estimate"],
            ci_low=rep.effect["ci_low"],
            ci_high=rep.effect["ci_high"],
            caution=rep.caution,
        )
        rows.append(row)
    schema = {
        "experiment_id": pl.Utf8,
        "name": pl.Utf8,
        "design": pl.Utf8,
        "start": pl.Utf8,
        "end": pl.Utf8,
        "status": pl.Utf8,
        "data_end": pl.Utf8,
        "metric": pl.Utf8,
        "verdict": pl.Utf8,
        "estimate": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "caution": pl.Boolean,
    }
    return Overview(pl.DataFrame(rows, schema=schema), alpha)
