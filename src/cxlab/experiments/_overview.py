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
from cxlab._present import N_, Headline, _, fmt_change, fmt_interval, gettext, label, ngettext
from cxlab._result import Result
from cxlab.experiments._report import local_day
from cxlab.experiments._text import (
    VERDICTS,
    metric_info,
    verdict_word,
)

STATUS = {"finished": N_("Finished"), "running": N_("Running"), "not_started": N_("Not started")}
STATUS_CARD = {
    "finished": N_("Finished"),
    "running": N_("Running: an interim reading"),
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
        t = self.table
        n = t.height
        counts = {v: int((t["verdict"] == v).sum()) for v in VERDICTS}
        counts[None] = int(t["verdict"].is_null().sum())
        running = int((t["status"] == "running").sum())
        out = [
            ngettext(
                "{n} intervention is registered: {ship} to ship, {stop} not to ship, {open} "
                "without enough evidence yet.",
                "{n} interventions are registered: {ship} to ship, {stop} not to ship, {open} "
                "without enough evidence yet.",
                n,
            ).format(
                n=n,
                ship=counts["ship"],
                stop=counts["do not ship"],
                open=counts["not enough evidence yet"] + counts[None],
            )
        ]
        if running:
            out.append(
                ngettext(
                    "{n} is still running: its verdict is an interim reading.",
                    "{n} are still running: their verdicts are interim readings.",
                    running,
                ).format(n=running)
            )
        cautious = int(t["caution"].sum())
        if cautious:
            out.append(
                ngettext(
                    "{n} verdict comes with a caution: a check of its design is borderline or "
                    "failed.",
                    "{n} verdicts come with a caution: a check of their design is borderline or "
                    "failed.",
                    cautious,
                ).format(n=cautious)
            )
        return out

    def headline(self) -> list[Headline]:
        """One card per intervention: the verdict, with its status and period (for the index)."""
        cards = []
        for r in self.table.iter_rows(named=True):
            value = VERDICTS.get(r["verdict"], NO_VERDICT) if r["verdict"] else NO_VERDICT
            cards.append(
                Headline(
                    key=f"experiment_{r['experiment_id']}",
                    label=r["name"],
                    value=value,
                    unit="text",
                    period=(r["start"], r["end"]),
                    detail=STATUS_CARD[r["status"]],
                )
            )
        return cards

    def view(self) -> pl.DataFrame:
        """The table a reader reads: every intervention with its words and formatted effect."""
        rows = []
        for r in self.table.iter_rows(named=True):
            effect = interval = "–"
            if r["estimate"] is not None:
                _name, unit, _hib = metric_info(r["metric"])
                effect = fmt_change(r["estimate"], unit)
                interval = fmt_interval(r["ci_low"], r["ci_high"], unit)
            verdict = verdict_word(r["verdict"]) if r["verdict"] else gettext(NO_VERDICT)
            if r["caution"]:
                verdict = _("{verdict}, with a caution").format(verdict=verdict)
            rows.append(
                {
                    _("Intervention"): label(r["name"]),
                    _("Verdict"): verdict,
                    _("Primary measure"): label(r["metric"]),
                    _("Effect"): effect,
                    _("Likely range (95%)"): interval,
                    _("Progress"): gettext(STATUS[r["status"]]),
                    _("Period"): _period(r["start"], r["end"]),
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
        return None


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
            caution=any(c.status in ("borderline", "failed") for c in rep.checks()),
        )
        rows.append(row)
    schema = {
        "experiment_id": pl.Utf8,
        "name": pl.Utf8,
        "design": pl.Utf8,
        "start": pl.Utf8,
        "end": pl.Utf8,
        "status": pl.Utf8,
        "metric": pl.Utf8,
        "verdict": pl.Utf8,
        "estimate": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "caution": pl.Boolean,
    }
    return Overview(pl.DataFrame(rows, schema=schema), alpha)
