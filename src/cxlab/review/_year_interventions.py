"""The year's interventions, each measured as the interventions report measures it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go
import polars as pl

from cxlab._errors import CxlabError
from cxlab._present import (
    N_,
    Headline,
    Period,
    _,
    fmt_change,
    fmt_interval,
    fmt_value,
    join_sentences,
    label,
    ngettext,
)
from cxlab._result import Result
from cxlab.review._year import ReviewYear
from cxlab.review._year_common import DESIGN_WORDS, PER_CONTACT, _section, _setup
from cxlab.viz import COLORS


@dataclass(frozen=True)
class YearInterventions(Result):
    """The interventions that ran in the year, each measured as the interventions report measures
    it (:func:`cxlab.experiments.analyze`), with what an effect beyond chance adds up to over the
    contacts its measure counted in the year (``yearly_contacts``, ``yearly_value``); ``reason``
    keeps why an intervention could not be measured. ``year`` is the year under review, with
    the months the data cover."""

    year: ReviewYear
    table: pl.DataFrame
    notes: tuple[str, ...] = field(default=())

    @property
    def title(self) -> str:
        return _("Interventions of {year}").format(year=self.year.text)

    def summary(self) -> pl.DataFrame:
        return self.table

    def _worth(self, r: dict) -> str | None:
        """What the effect adds up to over the contacts the measure counted in the months
        covered: agent-hours of handling, contacts, or transfers."""
        if r["yearly_contacts"] is None or r["estimate"] is None:
            return None
        n = fmt_value(r["yearly_contacts"], "count")
        v = r["yearly_value"]
        if r["unit"] == "seconds":
            return _("{hours} agent-hours of handling over {n} answered contacts").format(
                hours=fmt_change(v / 3600.0, "count"), n=n
            )
        if r["unit"] == "share" and r["metric"].startswith("fcr"):
            return _("{k} contacts resolved at the first contact, of {n}").format(
                k=fmt_change(v, "count"), n=n
            )
        if r["unit"] == "share":
            return _("{k} of {n} contacts").format(k=fmt_change(v, "count"), n=n)
        if r["metric"] == "transfers_per_contact":
            return _("{k} transfers over {n} contacts").format(k=fmt_change(v, "count"), n=n)
        return _("{k} in all over {n} contacts").format(k=fmt_change(v, "count"), n=n)

    def findings(self) -> list[str]:
        partial = self.year.coverage_text(compared=False)
        out = [partial] if partial else []
        t = self.table
        if t.height == 0:
            return [
                *out,
                _("No intervention in the registry ran in {year}.").format(year=self.year.text),
            ]
        measured = t.filter(pl.col("estimate").is_not_null())
        beyond = measured.filter(pl.col("beyond_chance"))
        out.append(
            ngettext(
                "{n} intervention ran in {year}; {k} of them changed its measure beyond chance.",
                "{n} interventions ran in {year}; {k} of them changed their measure beyond chance.",
                t.height,
            ).format(n=t.height, year=self.year.text, k=beyond.height)
        )
        for r in t.iter_rows(named=True):
            name = label(r["name"])
            if r["estimate"] is None:
                out.append(
                    _("{name}: its effect could not be measured ({reason}).").format(
                        name=name, reason=_("insufficient data")
                    )
                )
                continue
            effect = fmt_change(r["estimate"], r["unit"])
            rng = fmt_interval(r["ci_low"], r["ci_high"], r["unit"])
            metric = label(r["metric"])
            if r["caution"] and r["ci_low"] * r["ci_high"] > 0:
                how = _("likely but not proven beyond chance")
            elif r["beyond_chance"]:
                how = _("beyond chance")
            else:
                how = _("not distinguishable from chance")
            sentence = _("{name} ({design}): {metric} {effect}, likely {range}, {how}.")
            sentence = sentence.format(
                name=name,
                design=_(DESIGN_WORDS.get(r["design"], r["design"])),
                metric=metric,
                effect=effect,
                range=rng,
                how=how,
            )
            worth = self._worth(r) if r["beyond_chance"] else None
            if worth:
                worth = _("Applied to the contacts of {span}, that is {worth}.").format(
                    span=self.year.span.text,
                    worth=worth,
                )
            running = _("It is still running: an interim reading.") if r["running"] else ""
            out.append(join_sentences(sentence, worth or "", running))
        return out

    def headline(self) -> list[Headline]:
        t = self.table
        n = t.height
        k = int(t["beyond_chance"].fill_null(False).sum()) if n else 0
        period = self.year.current.iso
        return [
            Headline(
                key="year_interventions",
                label=N_("Interventions in the year"),
                value=n,
                unit="count",
                period=period,
            ),
            Headline(
                key="year_interventions_beyond_chance",
                label=N_("With an effect beyond chance"),
                value=k,
                unit="count",
                period=period,
            ),
        ]

    def view(self) -> pl.DataFrame:
        rows = []
        for r in self.table.iter_rows(named=True):
            measured = r["estimate"] is not None
            rows.append(
                {
                    "intervention": label(r["name"]),
                    "design_text": _(DESIGN_WORDS.get(r["design"], r["design"])),
                    "metric": label(r["metric"]),
                    "effect_text": fmt_change(r["estimate"], r["unit"]) if measured else "–",
                    "interval_text": fmt_interval(r["ci_low"], r["ci_high"], r["unit"])
                    if measured
                    else "–",
                    "chance_text": (_("yes") if r["beyond_chance"] else _("no"))
                    if measured
                    else "–",
                    "worth_text": (self._worth(r) or "–") if r["beyond_chance"] else "–",
                }
            )
        schema = [
            "intervention",
            "design_text",
            "metric",
            "effect_text",
            "interval_text",
            "chance_text",
            "worth_text",
        ]
        return pl.DataFrame(rows, schema=dict.fromkeys(schema, pl.Utf8))

    def _repr_html_(self) -> str:
        return _section(
            self.title,
            self.headline(),
            self.findings(),
            [self.view()],
            None,
            [_(n) for n in self.notes],
        )

    def plot(self) -> go.Figure:
        """Each intervention's effect relative to its level without the change, with its range."""
        fig = go.Figure()
        t = self.table.filter(pl.col("estimate").is_not_null() & (pl.col("baseline") != 0))
        names = [label(n) for n in t["name"].to_list()]
        base = t["baseline"].to_numpy()
        est = 100 * t["estimate"].to_numpy() / base
        lo = 100 * t["ci_low"].to_numpy() / base
        hi = 100 * t["ci_high"].to_numpy() / base
        lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
        colours = [COLORS["good"] if b else COLORS["muted"] for b in t["beyond_chance"].to_list()]
        fig.add_trace(
            go.Scatter(
                x=est,
                y=names,
                mode="markers",
                marker=dict(color=colours, size=10),
                error_x=dict(type="data", symmetric=False, array=hi - est, arrayminus=est - lo),
                name=_("Effect"),
                showlegend=False,
            )
        )
        fig.add_vline(x=0, line=dict(color=COLORS["muted"], dash="dot"))
        fig.update_yaxes(autorange="reversed")
        fig.update_layout(
            title=self.title,
            xaxis_title=_("Change against the level without it (%)"),
        )
        return fig


def _unit_of(metric: str) -> str:
    from cxlab.features import metrics

    found = metrics().get(metric)
    return found.unit if found is not None else "number"


def year_interventions(
    year: ReviewYear | Period | str = "latest_12_months",
    *,
    workspace: str | os.PathLike | None = None,
) -> YearInterventions:
    """The interventions that ran in ``year`` (started before its end and ended after its start),
    each analysed with :func:`cxlab.experiments.analyze` as the interventions report reads it.

    ``year`` is a :class:`ReviewYear` or any year :func:`review_year` reads (a
    :class:`~cxlab._present.Period` of twelve whole months or its spec).

    For a measure counted per contact (a share such as first-contact resolution, transfers per
    contact, handle time), an effect beyond chance is also put in the year's terms: the effect
    times the contacts the measure counts in the year (a share of them resolved, transfers,
    agent-hours). That assumes the effect held for every such contact, which a pilot in a few
    regions shows only where it ran; the notes say so.

    Examples
    --------
    >>> import cxlab as cx
    >>> found = cx.review.year_interventions(cx.review.Period.parse("2025-11..2026-10"))
    >>> sorted(found.summary()["experiment_id"])[:2]
    ['EXP-AB-ROUTING', 'EXP-AGENT-COACHING']
    """
    from cxlab.experiments import analyze, registry
    from cxlab.features import kpi

    year, workspace, contacts = _setup(year, workspace)
    tz = year.time_zone
    lo, hi = year.bounds()
    reg = registry(workspace=workspace)
    reg = reg.filter((pl.col("start") < hi) & (pl.col("end") > lo))
    in_year = contacts.filter(year.current.filter("arrived_at", tz))
    rows = []
    for r in reg.iter_rows(named=True):
        row = {
            "experiment_id": r["experiment_id"],
            "name": r["name"],
            "design": r["design"],
            "metric": r["primary_metric"],
            "unit": _unit_of(r["primary_metric"]),
            "estimate": None,
            "ci_low": None,
            "ci_high": None,
            "p_value": None,
            "baseline": None,
            "beyond_chance": None,
            "caution": None,
            "verdict": None,
            "running": None,
            "yearly_contacts": None,
            "yearly_value": None,
            "reason": None,
        }
        try:
            rep = analyze(r["experiment_id"], workspace=workspace)
        except CxlabError as exc:
            row["reason"] = str(exc)
            rows.append(row)
            continue
        unit = _unit_of(rep.metric)
        e = rep.effect
        row.update(
            design=rep.design,  # the design the analysis used (a pilot may need another)
            metric=rep.metric,
            unit=unit,
            estimate=e["estimate"],
            ci_low=e["ci_low"],
            ci_high=e["ci_high"],
            p_value=e["p_value"],
            baseline=rep.baseline,
            beyond_chance=bool(rep.significant and not rep.caution),
            caution=bool(rep.caution),
            verdict=rep.verdict,
            running=bool(rep.running),
        )
        if unit in PER_CONTACT and row["beyond_chance"]:
            scope = getattr(rep.main, "scope", None)  # a change that touches some channels only
            counted = in_year
            if scope and scope != "all contacts":
                counted = in_year.filter(
                    pl.col("channel").is_in([c.strip() for c in scope.split(",")])
                )
            long = kpi(counted, [rep.metric], time_zone=tz)
            n = long["denominator"][0] if long.height else None
            if n:
                row["yearly_contacts"] = float(n)
                row["yearly_value"] = float(e["estimate"]) * float(n)
        rows.append(row)
    schema = {
        "experiment_id": pl.Utf8,
        "name": pl.Utf8,
        "design": pl.Utf8,
        "metric": pl.Utf8,
        "unit": pl.Utf8,
        "estimate": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "p_value": pl.Float64,
        "baseline": pl.Float64,
        "beyond_chance": pl.Boolean,
        "caution": pl.Boolean,
        "verdict": pl.Utf8,
        "running": pl.Boolean,
        "yearly_contacts": pl.Float64,
        "yearly_value": pl.Float64,
        "reason": pl.Utf8,
    }
    notes = (
        N_(
            "Each intervention is measured with the design the registry gives it, exactly as the "
            "interventions report measures it; an intervention belongs to the year when it ran "
            "in it, even if it started before or ends after."
        ),
        N_(
            "The added-up figure multiplies the effect by the contacts the measure counted in "
            "the months covered, as if the effect held for all of them; a pilot shows the effect "
            "only where it ran, and the range of the effect carries over to the added-up figure."
        ),
    )
    return YearInterventions(year, pl.DataFrame(rows, schema=schema), notes)
