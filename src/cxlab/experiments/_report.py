"""The report of one intervention: the answer first, then the checks, then the detail.

Sentences for the body say what a statistic means (:meth:`ExperimentReport.findings`,
:meth:`~ExperimentReport.check_findings`); method names and test statistics are kept for the
appendix (:meth:`~ExperimentReport.details`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from cxlab._present import (
    N_,
    Headline,
    _,
    fmt_change,
    fmt_date,
    fmt_interval,
    fmt_list,
    fmt_value,
    gettext,
    label,
)
from cxlab._result import Result
from cxlab.experiments._text import (
    CHECK_WORDS,
    DESIGNS,
    INTERIM,
    LIKELY_EFFECT,
    VERDICTS,
    check_word,
    effect_sentence,
    inline,
    level_text,
    metric_info,
    relative_text,
    running_period,
    short_day,
    verdict_word,
)

DESIGN_TEXT = {
    "ab": N_(
        "Randomised test with customers as the unit: the groups differ only by chance and by the "
        "change, so a difference beyond chance is caused by the change. It says nothing about "
        "customers or periods unlike those in the test."
    ),
    "cluster_ab": N_(
        "Randomised test with agents as the unit: the contacts of one agent are not independent, "
        "so the uncertainty is counted per agent, and with few agents the range stays wide. The "
        "random split makes a difference beyond chance the change's doing."
    ),
    "did": N_(
        "Pilot in one or more regions from a date, compared with regions without it. Not "
        "randomised: the difference is the pilot's only if both groups would have moved alike "
        "without it. With few pilot regions, certainty comes from how unusual their change is "
        "among every other choice of regions."
    ),
    "staggered_did": N_(
        "Pilot rolled out to regions at different dates, each wave compared with regions that "
        "had not adopted yet. Not randomised: the difference is the pilot's only if regions "
        "would have moved alike without it, and regions chose or were chosen for a reason."
    ),
    "synthetic_control": N_(
        "Pilot in a single region, compared with a comparison group blended from other regions "
        "that moved like it before the start. This fits because one region ran the pilot and its "
        "weeks before the start are enough to build a look-alike from other regions. With one "
        "pilot region, certainty comes only from how unusual its gap is among the regions that "
        "got nothing. It cannot rule out something else that changed only in the pilot region at "
        "the same time."
    ),
    "synthetic_did": N_(
        "Pilot regions compared with a weighted group of other regions that moved in parallel "
        "with them before the start, the periods most like those after the start weighing most. "
        "This fits because several regions ran the pilot together, or because no blend of other "
        "regions matched the pilot's level before the start: a steady gap is allowed, only the "
        "movement must match. It cannot rule out something else that changed only in the pilot "
        "regions at the same time."
    ),
    "its": N_(
        "Change made everywhere at once, with no comparison group: the effect is the break from "
        "the path the measure was on before (its trend and weekly pattern). It cannot separate "
        "the change from anything else that happened at the same moment."
    ),
}

# what each design's checks look at, said before their results (section 1)
CHECKS_INTRO = {
    "ab": N_(
        "A random split should give groups of the sizes it promised; a different split means the "
        "assignment or the records went wrong."
    ),
    "cluster_ab": N_(
        "A random split should give groups of the sizes it promised; a different split means the "
        "assignment or the records went wrong."
    ),
    "did": N_(
        "The comparison holds only if pilot and comparison regions were moving alike before the "
        "start: that is checked on the weeks before it."
    ),
    "staggered_did": N_(
        "The comparison holds only if regions were moving alike before each wave started: that "
        "is checked on the weeks before each start."
    ),
    "synthetic_control": N_(
        "Regions without the pilot, each compared in the same way, should show no gap of their "
        "own: a comparison that finds gaps where nothing changed would invent effects. (Whether "
        "the pilot region's own gap stands out from chance is the effect's evidence, said with "
        "the answer.)"
    ),
    "synthetic_did": N_(
        "Regions without the pilot, each compared in the same way as if it had run the pilot, "
        "should show no effect of their own: a comparison that finds effects where nothing "
        "changed would invent them."
    ),
    "its": N_(
        "The method should find nothing on a date when nothing happened: it is run again with a "
        "fake start date before the change."
    ),
}

# a "beyond chance" the design cannot back when one of its checks is borderline or failed
HEDGED = {
    "{metrics} improved beyond chance, and none of the protected measures got worse.": N_(
        "{metrics} improved, and none of the protected measures got worse."
    ),
}

_SEVERITY = {"passed": 0, "untested": 1, "borderline": 2, "failed": 3}

# how far the effect stands out from chance, by the status of a permutation test of the effect
# itself (a single-region pilot's placebo in space), said beside the estimate on its card
EVIDENCE_WORDS = {
    "passed": N_("beyond chance among the regions without the pilot"),
    "borderline": N_("too few regions to rule out chance"),
    "failed": N_("not distinguishable from chance"),
}


@dataclass(frozen=True)
class Check:
    """One check of the design: a plain name, its status and what it means for the verdict."""

    key: str
    name: str  # msgid
    status: str  # passed, borderline, failed, untested
    meaning: tuple[str, ...]
    p_value: float | None
    threshold: float | None


def local_day(value: Any) -> str:
    """The ISO date of a (local) timestamp, for a card's period."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value)[:10]


@dataclass(frozen=True)
class ExperimentReport(Result):
    """What a change did, how sure we are, and whether it hurt something else."""

    experiment: dict
    design: str
    metric: str
    verdict: str
    effect: dict  # term, estimate, std_error, ci_low, ci_high, p_value (primary metric)
    baseline: float
    main: Result
    diagnostics: tuple[Result, ...]
    guardrails: pl.DataFrame  # metric, estimate, ci_low, ci_high, harmful
    reasons: tuple = ()  # Phrase: worded when read
    notes: tuple[str, ...] = field(default=())  # msgids
    detail: dict[str, Any] = field(default_factory=dict)
    alpha: float = 0.05

    @property
    def title(self) -> str:
        return label(self.experiment["name"])

    @property
    def measures(self) -> tuple:
        """The analyst's metrics the design's result resolved (see ``cxlab.features.metric``)."""
        return tuple(getattr(self.main, "measures", ()))

    def _info(self, metric: str) -> tuple[str, str, bool | None]:
        return metric_info(metric, self.measures)

    @property
    def level(self) -> str:
        """The confidence level of the intervals shown: 95% at ``alpha`` 0.05."""
        return level_text(self.alpha)

    @property
    def design_note(self) -> str:
        return gettext(DESIGN_TEXT.get(self.design, ""))

    def design_findings(self) -> list[str]:
        """What this design can and cannot prove (section 3), with the full reasoning (said only
        here) why a single-region pilot cannot prove an effect beyond chance when there are too
        few regions to compare with."""
        out = [self.design_note]
        if self.cannot_prove:
            m = self.main
            out.append(
                _(
                    "With a single pilot region, {region}'s gap can only be compared with the "
                    "gaps of the {n} regions without the pilot. Among {total} regions, one is "
                    "bound to look largest by chance; the placebo test asks whether the pilot "
                    "region's gap is larger than that, and even the largest gap gives at best "
                    "p = 1/{total}, above the 1 in {limit} the verdict requires, so it cannot "
                    "prove the effect. To prove it, compare with at least {need} regions, pilot "
                    "in more regions, or run a randomised test."
                ).format(
                    region=label(m.unit),
                    n=m.placebos.height,
                    total=m.placebos.height + 1,
                    limit=fmt_value(1 / m.alpha, "count"),
                    need=math.ceil(1 / m.alpha - 1e-9) - 1,
                )
            )
        return out

    @property
    def data_end(self) -> dt.datetime | None:
        """The newest contact in the data (local time), when known."""
        return self.experiment.get("data_end")

    @property
    def running(self) -> bool:
        """Still running when the data ends: its verdict is an interim result."""
        end = self.experiment.get("local_end", self.experiment["end"])
        return self.data_end is not None and self.data_end < end

    @property
    def significant(self) -> bool:
        """The effect's likely range excludes no change."""
        return self.effect["ci_low"] > 0 or self.effect["ci_high"] < 0

    @property
    def design_in_doubt(self) -> bool:
        """A check of the design's assumptions (pre-trends, placebo, SRM) is borderline or failed."""
        return any(c.status in ("borderline", "failed") for c in self.checks())

    @property
    def caution(self) -> bool:
        """The effect is likely, not proven: a check of the design is borderline or failed, or the
        effect's range excludes no change but its permutation test (a single pilot region's
        gap among the regions without the pilot) does not clear chance."""
        chance = self.chance()
        weak = chance is not None and chance.status != "passed" and self.significant
        return self.design_in_doubt or weak

    @property
    def likely(self) -> bool:
        """The decision rule says roll out but the design cannot prove the effect: the reader is
        told the effect is likely and to extend the pilot before rolling out."""
        return self.verdict == "ship" and self.caution

    @property
    def cannot_prove(self) -> bool:
        """A single-region pilot with too few regions to compare with: even the largest gap of all
        has a chance of 1 in (regions + 1), above the verdict's level, so the check cannot pass."""
        smallest = getattr(self.main, "smallest_p_value", None)
        return smallest is not None and smallest > self.main.alpha

    def _cannot_prove_sentence(self) -> str:
        """One plain sentence for the answer (the reasoning is in section 3)."""
        return _(
            "With a single pilot region and {n} regions to compare with, this design cannot "
            "prove the effect beyond chance (section 3 says why)."
        ).format(n=self.main.placebos.height)

    @property
    def power_unit(self) -> str:
        """The unit a follow-up randomised test would use: agents for coaching-style changes."""
        return "agent" if self.design == "cluster_ab" else "customer"

    @property
    def diagnostics_passed(self) -> bool:
        return all(bool(getattr(d, "passed", True)) for d in self.diagnostics)

    @property
    def period(self) -> tuple[str, str]:
        """First day and the day after the last, in the workspace's time zone; a change still
        running ends with the data (the day after the newest contact)."""
        e = self.experiment
        start = local_day(e.get("local_start", e["start"]))
        if self.running:
            last = dt.date.fromisoformat(local_day(self.data_end))
            return start, (last + dt.timedelta(days=1)).isoformat()
        return start, local_day(e.get("local_end", e["end"]))

    def period_text(self) -> str:
        """ "May 4 – 31, 2026", or "since Jun 29, 2026 (data to Oct 31)" while running."""
        if self.running:
            return running_period(self.period[0], local_day(self.data_end))
        return _period_text(self.period)

    def summary(self) -> pl.DataFrame:
        return pl.DataFrame([{**self.effect, "metric": self.metric, "verdict": self.verdict}])

    # --- the answer --------------------------------------------------------------------------

    def about(self) -> str:
        """Which change this is: its name, what it did, where (a single-region pilot names its
        region) and when, each said once."""
        description = self.experiment.get("description") or ""
        start = fmt_date(self.period[0])
        single = self.design in ("synthetic_control", "synthetic_did") or (
            self.design == "did" and len(getattr(self.main, "treated_units", ())) == 1
        )
        region = getattr(self.main, "unit", None) if single else None
        if region and self.running:
            when = _("Piloted in {region} since {start}, still running (data to {end}).")
        elif region:
            when = _("Piloted in {region}, {period}.")
        elif self.running:
            when = _("{design}, {period}, still running.")
        else:
            when = _("{design}, {period}.")
        return _("{name}: {description} {when}").format(
            name=self.title,
            description=inline(label(description)) if description else "",
            when=when.format(
                region=label(region) if region else "",
                start=start,
                end=short_day(self.data_end, self.period[0]) if self.running else "",
                design=gettext(DESIGNS.get(self.design, self.design)),
                period=self.period_text(),
            ),
        )

    def verdict_word(self) -> str:
        """ "Roll out", or "Likely effect: extend the pilot before rolling out" when the design
        cannot prove the effect."""
        if self.likely:
            return gettext(LIKELY_EFFECT)
        return verdict_word(self.verdict)

    def verdict_sentence(self) -> str:
        _name, unit, _hib = self._info(self.metric)
        e = self.effect
        rel = e["estimate"] / self.baseline if self.baseline else float("nan")
        if self.likely:
            template = _(
                "Likely effect: {sentence} ({relative} against {level} without the change). "
                "Extend the pilot before rolling out."
            )
        elif self.verdict == "no direction":
            template = _("{verdict}. {sentence} ({relative} against {level} without the change).")
        else:
            template = _("{verdict}: {sentence} ({relative} against {level} without the change).")
        return template.format(
            verdict=self.verdict_word(),
            sentence=effect_sentence(
                self.metric,
                e["estimate"],
                e["ci_low"],
                e["ci_high"],
                sure=not self.caution,
                inside=self.verdict != "no direction" or self.likely,
                measures=self.measures,
            ),
            relative=relative_text(rel),
            level=fmt_value(self.baseline, unit),
        )

    def checks(self) -> list[Check]:
        """Every check of the design's assumptions, with its status (SRM, pre-trends, placebos).

        The permutation test of the effect itself is its evidence, not an assumption: see
        :meth:`chance`."""
        out = []
        for d in self.diagnostics:
            status = getattr(d, "status", "passed" if getattr(d, "passed", True) else "failed")
            out.append(
                Check(
                    type(d).__name__,
                    d.title,
                    status,
                    tuple(d.findings()),
                    getattr(d, "p_value", None),
                    getattr(d, "threshold", None),
                )
            )
        return out

    def chance(self) -> Check | None:
        """The effect's own permutation test, when the design has one: how unusual a single pilot
        region's gap is among the regions without the pilot (its p-value is the effect's)."""
        rank = getattr(self.main, "rank_status", None)
        if rank is None:
            return None
        return Check(
            "rank",
            N_("Is the gap unusual among regions without the pilot?"),
            rank,
            (self.main.rank_sentence(),),
            self.main.rank_p_value,
            self.main.alpha,
        )

    def evidence(self) -> list[str]:
        """How far the effect stands out from chance, when the design tests it by permutation
        (said in the answer, beside the estimate). A single-region pilot that cannot prove an
        effect its range would back says so in one sentence; the reasoning is in section 3."""
        c = self.chance()
        if c is None:
            return []
        if c.status == "borderline" and self.cannot_prove and self.significant:
            return [self._cannot_prove_sentence()]
        return list(c.meaning)

    def cautions(self) -> list[str]:
        """What a borderline or failed check of the design means for the verdict, in plain
        words."""
        out = []
        for c in self.checks():
            if c.status == "borderline":
                out.append(
                    _(
                        "One check of the design is only borderline (see section 1), so the "
                        "effect is likely rather than proven."
                    )
                )
            elif c.status == "failed" and self.verdict == "ship":
                out.append(
                    _(
                        "One check of the design failed (see section 1): the verdict rests on the "
                        "effect's range alone, so confirm it before acting on it."
                    )
                )
            elif c.status == "failed":
                out.append(
                    _(
                        "One check of the design failed (see section 1): the design's assumption "
                        "is in doubt, so the effect cannot be taken at face value."
                    )
                )
        return out

    def interim(self) -> list[str]:
        """A change still running: its verdict is read on the data so far."""
        if not self.running:
            return []
        return [
            _(
                "The change is still running: this is an interim result on the data up to {end}, "
                "and it may change as more data arrive."
            ).format(end=short_day(self.data_end, self.period[0]))
        ]

    def findings(self) -> list[str]:
        """The answer in plain words: verdict and effect with its range, why, any caution, and
        whether the result is interim."""
        reasons = [
            dataclasses.replace(r, msgid=HEDGED[r.msgid])
            if self.caution and getattr(r, "msgid", None) in HEDGED
            else r
            for r in self.reasons
        ]
        out = [self.verdict_sentence(), *self.evidence(), *(str(r) for r in reasons)]
        out += self.cautions()
        out += self.interim()
        seq = self.detail.get("sequential")
        if seq is not None:
            out += seq.findings()
        out += [gettext(n) for n in self.notes]
        return out

    def headline(self) -> list[Headline]:
        """Four tiles: the verdict, the effect with its likely range, the checks, the measures
        that must not get worse."""
        name, unit, _hib = self._info(self.metric)
        e = self.effect
        rel = e["estimate"] / self.baseline if self.baseline else float("nan")
        checks = self.checks()
        worst = max((c.status for c in checks), key=_SEVERITY.get, default="untested")
        chance = self.chance()
        detail = _("{relative} against {level} without the change").format(
            relative=relative_text(rel), level=fmt_value(self.baseline, unit)
        )
        if chance is not None:
            detail = _("{detail}; {evidence}").format(
                detail=detail, evidence=gettext(EVIDENCE_WORDS[chance.status])
            )
        g = self.guardrails
        harmed = bool(g["harmful"].any()) if g.height else False
        verdict = LIKELY_EFFECT if self.likely else VERDICTS.get(self.verdict, self.verdict)
        return [
            Headline(
                key="verdict",
                label=N_("Verdict"),
                value=verdict,
                unit="text",
                period=self.period,
                detail=INTERIM if self.running else DESIGNS.get(self.design),
            ),
            Headline(
                kind="change",
                key="effect",
                label=_("Effect on {metric}").format(metric=inline(name)),
                value=e["estimate"],
                unit=unit,
                low=e["ci_low"],
                high=e["ci_high"],
                period=self.period,
                detail=detail,
            ),
            Headline(
                key="checks",
                label=N_("Checks of the design"),
                value=CHECK_WORDS[worst],
                unit="text",
                detail=_("{passed} of {n} passed").format(
                    passed=sum(c.status == "passed" for c in checks), n=len(checks)
                )
                if checks
                else None,
            ),
            Headline(
                key="guardrails",
                label=N_("Measures that must not get worse"),
                value=N_("Harmed") if harmed else N_("No harm found"),
                unit="text",
                detail=fmt_list(
                    [
                        self._info(m)[0] if i == 0 else inline(self._info(m)[0])
                        for i, m in enumerate(g["metric"])
                    ]
                )
                if g.height
                else _("none registered"),
            ),
        ]

    # --- the body's sections -----------------------------------------------------------------

    def check_findings(self) -> list[str]:
        """What this design's checks look at, then each check in plain words: what it found."""
        intro = CHECKS_INTRO.get(self.design)
        out = [gettext(intro)] if intro else []
        for c in self.checks():
            out += list(c.meaning)
        return out

    def checks_table(self) -> pl.DataFrame:
        """Check and result, in words (the statistics are in :meth:`diagnostics_table`)."""
        checks = self.checks()
        return pl.DataFrame(
            {
                _("Check"): [gettext(c.name) for c in checks],
                _("Result"): [check_word(c.status) for c in checks],
            },
            schema={_("Check"): pl.Utf8, _("Result"): pl.Utf8},
        )

    def guardrails_table(self) -> pl.DataFrame:
        """Guardrail, effect, likely range and whether it was harmed, formatted by unit."""
        rows = []
        likely = _("Likely range ({level})").format(level=self.level)
        for r in self.guardrails.iter_rows(named=True):
            name, unit, _hib = self._info(r["metric"])
            rows.append(
                {
                    _("Measure"): name,
                    _("Effect"): fmt_change(r["estimate"], unit),
                    likely: fmt_interval(r["ci_low"], r["ci_high"], unit),
                    _("Result"): _("Harmed") if r["harmful"] else _("No harm found"),
                }
            )
        columns = [_("Measure"), _("Effect"), likely, _("Result")]
        return pl.DataFrame(rows, schema={c: pl.Utf8 for c in columns})

    def guardrail_findings(self) -> list[str]:
        out = []
        for r in self.guardrails.iter_rows(named=True):
            sentence = effect_sentence(
                r["metric"],
                r["estimate"],
                r["ci_low"],
                r["ci_high"],
                inside=True,
                measures=self.measures,
            )
            out.append(
                (
                    _("Harmed: {sentence}.") if r["harmful"] else _("No harm found: {sentence}.")
                ).format(sentence=sentence)
            )
        if not out:
            out.append(_("No measure that must not get worse is registered for this change."))
        return out

    def over_time_findings(self) -> list[str]:
        seq = self.detail.get("sequential")
        return seq.findings() if seq is not None else []

    # --- the appendix ------------------------------------------------------------------------

    def details(self) -> list[str]:
        """Method names and test statistics of the analysis and of every check."""
        parts = [self.main]
        parts += [self.detail[k] for k in ("did_2x2", "sequential") if k in self.detail]
        parts += list(self.diagnostics)
        out: list[str] = []
        for part in parts:
            for s in getattr(part, "details", lambda: [])():
                if s not in out:
                    out.append(s)
        for key in ("synthetic_did", "synthetic_control"):
            other = self.detail.get(key)
            if other is not None and other is not self.main:
                out.append(other.details()[0])  # the second method beside the main one
        return out

    def diagnostics_table(self) -> pl.DataFrame:
        """Each check with its p-value and the threshold below which it fails (appendix)."""
        checks = self.checks()
        return pl.DataFrame(
            {
                _("Check"): [gettext(c.name) for c in checks],
                "p_value": [c.p_value for c in checks],
                _("Fails below"): [
                    fmt_value(c.threshold, "ratio", decimals=3) if c.threshold else "–"
                    for c in checks
                ],
                _("Result"): [check_word(c.status) for c in checks],
            },
            schema={
                _("Check"): pl.Utf8,
                "p_value": pl.Float64,
                _("Fails below"): pl.Utf8,
                _("Result"): pl.Utf8,
            },
        )

    def estimates_table(self) -> pl.DataFrame:
        """The primary estimate and the guardrails with standard errors and p-values (appendix)."""
        rows = []
        items = [(self.metric, self.effect)]
        items += [(r["metric"], r) for r in self.guardrails.iter_rows(named=True)]
        interval = _("{level} confidence interval").format(level=self.level)
        for i, (metric, e) in enumerate(items):
            name, unit, _hib = self._info(metric)
            rows.append(
                {
                    _("Measure"): name,
                    _("Role"): _("Main measure") if i == 0 else _("Must not get worse"),
                    _("Estimate"): fmt_change(e["estimate"], unit),
                    interval: fmt_interval(e["ci_low"], e["ci_high"], unit),
                    "p_value": e.get("p_value"),
                }
            )
        if not rows:
            return pl.DataFrame()
        return pl.DataFrame(rows)

    def plot(self):
        """The effect over time (cumulative effect, event study, gap or break, by design)."""
        figure = self.detail.get("over_time")
        return figure.plot() if figure is not None else self.main.plot()


def _period_text(period: tuple[str, str]) -> str:
    from cxlab._present import fmt_period

    return fmt_period(*period)
