"""The report of one intervention: the answer first, then the checks, then the detail.

Sentences for the body say what a statistic means (:meth:`ExperimentReport.findings`,
:meth:`~ExperimentReport.check_findings`); method names and test statistics are kept for the
appendix (:meth:`~ExperimentReport.details`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from cxlab._present import (
    N_,
    Headline,
    _,
    fmt_change,
    fmt_interval,
    fmt_value,
    gettext,
    label,
)
from cxlab._result import Result
from cxlab.experiments._text import (
    CHECK_WORDS,
    DESIGNS,
    VERDICTS,
    check_word,
    effect_sentence,
    metric_info,
    relative_text,
    verdict_word,
    words_list,
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
        "Pilot in some regions from a date, compared with regions without it. Not randomised: "
        "the difference is the pilot's only if both groups would have moved alike without it."
    ),
    "staggered_did": N_(
        "Pilot rolled out to regions at different dates, each wave compared with regions that "
        "had not adopted yet. Not randomised: the difference is the pilot's only if regions "
        "would have moved alike without it, and regions chose or were chosen for a reason."
    ),
    "synthetic_control": N_(
        "Pilot in a single region, compared with a look-alike blended from other regions that "
        "moved like it before the start. With one pilot region, certainty comes only from how "
        "unusual its gap is among regions that got nothing."
    ),
    "its": N_(
        "Change made everywhere at once, with no comparison group: the effect is the break from "
        "the path the measure was on before (its trend and weekly pattern). It cannot separate "
        "the change from anything else that happened at the same moment."
    ),
}

_SEVERITY = {"passed": 0, "untested": 1, "borderline": 2, "failed": 3}


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

    @property
    def title(self) -> str:
        return label(self.experiment["name"])

    @property
    def design_note(self) -> str:
        return gettext(DESIGN_TEXT.get(self.design, ""))

    @property
    def power_unit(self) -> str:
        """The unit a follow-up randomised test would use: agents for coaching-style changes."""
        return "agent" if self.design == "cluster_ab" else "customer"

    @property
    def diagnostics_passed(self) -> bool:
        return all(bool(getattr(d, "passed", True)) for d in self.diagnostics)

    @property
    def period(self) -> tuple[str, str]:
        """First day and the day after the last, in the workspace's time zone."""
        e = self.experiment
        return local_day(e.get("local_start", e["start"])), local_day(e.get("local_end", e["end"]))

    def summary(self) -> pl.DataFrame:
        return pl.DataFrame([{**self.effect, "metric": self.metric, "verdict": self.verdict}])

    # --- the answer --------------------------------------------------------------------------

    def about(self) -> str:
        """Which change this is: its name, what it did, the design and the period."""
        description = self.experiment.get("description") or ""
        return _("{name}: {description} {design}, {period}.").format(
            name=self.title,
            description=label(description) if description else "",
            design=gettext(DESIGNS.get(self.design, self.design)),
            period=_period_text(self.period),
        )

    def verdict_sentence(self) -> str:
        _name, unit, _hib = metric_info(self.metric)
        e = self.effect
        rel = e["estimate"] / self.baseline if self.baseline else float("nan")
        return _("{verdict}: {sentence} ({relative} against {level} without the change).").format(
            verdict=verdict_word(self.verdict),
            sentence=effect_sentence(self.metric, e["estimate"], e["ci_low"], e["ci_high"]),
            relative=relative_text(rel),
            level=fmt_value(self.baseline, unit),
        )

    def checks(self) -> list[Check]:
        """Every robustness check of the design, with its status (SRM, pre-trends, placebos)."""
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
        rank = getattr(self.main, "rank_status", None)
        if rank is not None:
            out.append(
                Check(
                    "rank",
                    _("Is the gap unusual among regions without the pilot?"),
                    rank,
                    (self.main.rank_sentence(),),
                    self.main.rank_p_value,
                    self.main.alpha,
                )
            )
        return out

    def cautions(self) -> list[str]:
        """What a borderline or failed check means for the verdict, in plain words."""
        out = []
        for c in self.checks():
            if c.status == "borderline":
                out.append(
                    _(
                        "Caution, a check is borderline ({check}): the verdict stands, but treat "
                        "the effect as likely rather than certain."
                    ).format(check=c.name)
                )
            elif c.status == "failed" and self.verdict == "ship":
                out.append(
                    _(
                        "Caution, a check failed ({check}): the verdict rests on the effect's "
                        "range alone; confirm it before acting on it."
                    ).format(check=c.name)
                )
            elif c.status == "failed":
                out.append(
                    _(
                        "A check failed ({check}): the design's assumption is in doubt, so the "
                        "effect cannot be taken at face value."
                    ).format(check=c.name)
                )
        return out

    def findings(self) -> list[str]:
        """The answer in plain words: verdict and effect with its range, why, and any caution."""
        out = [self.verdict_sentence(), *(str(r) for r in self.reasons), *self.cautions()]
        seq = self.detail.get("sequential")
        if seq is not None:
            out += seq.findings()
        out += [gettext(n) for n in self.notes]
        return out

    def headline(self) -> list[Headline]:
        """Four tiles: the verdict, the effect with its likely range, the checks, the guardrails."""
        name, unit, _hib = metric_info(self.metric)
        e = self.effect
        rel = e["estimate"] / self.baseline if self.baseline else float("nan")
        checks = self.checks()
        worst = max((c.status for c in checks), key=_SEVERITY.get, default="untested")
        g = self.guardrails
        harmed = bool(g["harmful"].any()) if g.height else False
        return [
            Headline(
                key="verdict",
                label=N_("Verdict"),
                value=VERDICTS.get(self.verdict, self.verdict),
                unit="text",
                period=self.period,
                detail=DESIGNS.get(self.design),
            ),
            Headline(
                kind="change",
                key="effect",
                label=_("Effect on {metric}").format(metric=name),
                value=e["estimate"],
                unit=unit,
                low=e["ci_low"],
                high=e["ci_high"],
                period=self.period,
                detail=_("{relative} against {level} without the change").format(
                    relative=relative_text(rel), level=fmt_value(self.baseline, unit)
                ),
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
                label=N_("Guardrails"),
                value=N_("Harmed") if harmed else N_("No harm found"),
                unit="text",
                detail=words_list([label(m) for m in g["metric"].to_list()])
                if g.height
                else _("none registered"),
            ),
        ]

    # --- the body's sections -----------------------------------------------------------------

    def check_findings(self) -> list[str]:
        """Each check in plain words: what it looked for and what it found."""
        out = []
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
        for r in self.guardrails.iter_rows(named=True):
            _name, unit, _hib = metric_info(r["metric"])
            rows.append(
                {
                    _("Guardrail"): label(r["metric"]),
                    _("Effect"): fmt_change(r["estimate"], unit),
                    _("Likely range (95%)"): fmt_interval(r["ci_low"], r["ci_high"], unit),
                    _("Result"): _("Harmed") if r["harmful"] else _("No harm found"),
                }
            )
        columns = [_("Guardrail"), _("Effect"), _("Likely range (95%)"), _("Result")]
        return pl.DataFrame(rows, schema={c: pl.Utf8 for c in columns})

    def guardrail_findings(self) -> list[str]:
        out = []
        for r in self.guardrails.iter_rows(named=True):
            sentence = effect_sentence(r["metric"], r["estimate"], r["ci_low"], r["ci_high"])
            out.append(
                (
                    _("Harmed: {sentence}.") if r["harmful"] else _("No harm found: {sentence}.")
                ).format(sentence=sentence)
            )
        if not out:
            out.append(_("No guardrail is registered for this change."))
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
        for i, (metric, e) in enumerate(items):
            _name, unit, _hib = metric_info(metric)
            rows.append(
                {
                    _("Measure"): label(metric),
                    _("Role"): _("primary") if i == 0 else _("guardrail"),
                    _("Estimate"): fmt_change(e["estimate"], unit),
                    _("95% confidence interval"): fmt_interval(e["ci_low"], e["ci_high"], unit),
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
