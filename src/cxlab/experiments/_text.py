"""The words of the interventions report: metrics and their units, verdicts, designs, checks.

Numbers reach a reader through :mod:`cxlab._present` (``fmt_value``, ``fmt_change``,
``fmt_interval``) and words through its catalogue (``_``, ``label``); this module only gathers
what every analysis of the room says the same way.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from cxlab._errors import OptionError
from cxlab._present import (
    N_,
    _,
    fmt_change,
    fmt_date,
    fmt_list,
    fmt_value,
    gettext,
    label,
    language,
    locale,
    ngettext,
    register_labels,
)
from cxlab.features import Metric

VERDICTS: dict[str, str] = {
    "ship": N_("Roll out"),
    "do not ship": N_("Do not roll out"),
    "not enough evidence yet": N_("Not enough evidence yet"),
    # the measure moved beyond chance, but nobody said which direction is better
    "no direction": N_("No verdict: better direction not declared"),
}
# a "roll out" the design cannot prove (a borderline or failed check, or a single pilot region
# with too few regions to compare with): the decision rule still says roll out, the reader is told
# the effect is likely and to extend the pilot first
LIKELY_EFFECT = N_("Likely effect: extend the pilot before rolling out")
# a change still running when the data ends: its verdict is read on the data so far
INTERIM = N_("Interim result: still running")

DESIGNS: dict[str, str] = {
    "ab": N_("Randomised test, customers"),
    "cluster_ab": N_("Randomised test, agents"),
    "did": N_("Regional pilot"),
    "staggered_did": N_("Regional pilot rolled out in waves"),
    "synthetic_control": N_("Pilot in one region"),
    "synthetic_did": N_("Pilot against weighted regions and weeks"),
    "its": N_("Change made everywhere at once"),
}

UNIT_WORDS: dict[str, str] = {
    "customer": N_("customers"),
    "agent": N_("agents"),
    "team": N_("teams"),
    "region": N_("regions"),
}


UNIT_HEADERS: dict[str, str] = {
    "customer": N_("Customers in the test"),
    "agent": N_("Agents in the test"),
    "team": N_("Teams in the test"),
    "region": N_("Regions in the test"),
}


def units_header(unit: str) -> str:
    """A table header naming the unit counted ("Customers in the test", "参与试验的客户数")."""
    return gettext(UNIT_HEADERS.get(unit, UNIT_HEADERS["customer"]))


def inline(name: str) -> str:
    """A metric's label inside an English sentence: "average handle time", but "CSAT" and "IVR"
    stay as written (Chinese has no case)."""
    if language() != "en" or len(name) < 2 or not name[0].isupper() or name[1].isupper():
        return name
    return name[0].lower() + name[1:]


def short_day(value: dt.date | dt.datetime | str, ref: dt.date | dt.datetime | str) -> str:
    """A day without its year when it is the year of ``ref``: "Oct 31" / "10月31日"."""
    from babel.dates import format_skeleton

    e = dt.date.fromisoformat(str(value)[:10])
    if e.year != dt.date.fromisoformat(str(ref)[:10]).year:
        return fmt_date(e)
    return format_skeleton("MMMd", e, locale=locale())


def running_period(start: dt.date | str, data_end: dt.date | str) -> str:
    """A period still running when the data ends: "since Jun 29, 2026 (data to Oct 31)"."""
    return _("since {start} (data to {end})").format(
        start=fmt_date(dt.date.fromisoformat(str(start)[:10])), end=short_day(data_end, start)
    )


def units_word(unit: str) -> str:
    """The randomised units in a sentence: "customers", "客户"."""
    return gettext(UNIT_WORDS.get(unit, unit))


# the room's identifiers, and the synthetic workspace's interventions (real registries keep their
# own names: a name the catalogue does not know is shown as written)
register_labels(
    {
        **VERDICTS,
        **DESIGNS,
        "Video support pilot": N_("Video support pilot"),
        "Agent coaching programme": N_("Agent coaching programme"),
        "Smart routing to specialists": N_("Smart routing to specialists"),
        "IVR menu redesign": N_("IVR menu redesign"),
        "First-contact specialist desk": N_("First-contact specialist desk"),
        # the design sentence names the region and the dates (never said twice)
        "Video sessions for technical contacts, piloted in a single region.": N_(
            "Video sessions for technical contacts."
        ),
        "Agents randomised 50/50 to weekly coaching; outcomes measured on their contacts.": N_(
            "Agents randomised 50/50 to weekly coaching; outcomes measured on their contacts."
        ),
        "Customers randomised 50/50: treated customers are routed by predicted intent.": N_(
            "Customers randomised 50/50: treated customers are routed by predicted intent."
        ),
        "A new IVR menu launched everywhere at once to route callers to the right queue first "
        "time.": N_(
            "A new IVR menu launched everywhere at once to route callers to the right queue "
            "first time."
        ),
        "A specialist desk piloted in three regions, then rolled out to five more in two "
        "waves.": N_(
            "A specialist desk piloted in three regions, then rolled out to five more in two waves."
        ),
    }
)


# --- the analyst's metric ---------------------------------------------------------------------
# A metric is named by the analyst three ways: a KPI of the dictionary, a metric declared with
# ``cxlab.features.declare_metric``, or a plain column of the per-unit or panel table. Results keep
# the names they were given and the resolved :class:`~cxlab.features.Metric` objects beside them
# (``measures``), so a result names and formats its metric the same way whenever it is read.

OUTCOME = N_("The outcome")  # a panel or series whose outcome no metric names


def resolve(name: str | Metric | None) -> Metric:
    """The :class:`Metric` ``name`` stands for: a dictionary KPI, a declared metric or a plain
    column (unit "ratio", no better direction); ``None`` or ``""`` is the unnamed outcome."""
    from cxlab.features import metric

    if name is None or name == "":
        return Metric("", "ratio", None)
    return metric(name)


def plain_column(name: str | Metric) -> Metric:
    """The metric of a plain column of a table (one value per unit or cell): a declared metric
    keeps its declaration; any other column is only a column, even when it shares a dictionary
    KPI's name (a column ``fcr`` of an analyst's table is not the dictionary's first-contact
    resolution)."""
    from cxlab.features import declared_metrics

    if isinstance(name, Metric):
        return name
    declared = declared_metrics().get(name)
    return declared if declared is not None else Metric(name, "ratio", None)


def ratio_metric(name: str | Metric, *, parameter: str = "metric") -> Metric:
    """A metric that is a ratio of sums over contacts (a dictionary KPI or a declared metric with
    ``numerator`` and ``denominator``), else an :class:`OptionError` naming both ways to get one."""
    from cxlab.features import metrics

    m = name if isinstance(name, Metric) else metrics().get(name) if name else None
    if m is None or m.numerator is None or m.denominator is None:
        raise unknown_metric(name.name if isinstance(name, Metric) else name, parameter=parameter)
    return m


def unknown_metric(
    name: object, *, parameter: str = "metric", columns: Sequence[str] | None = None
) -> OptionError:
    """The error for a metric the analysis cannot compute: the KPIs of the dictionary, how to
    declare one, and the table's columns when a plain column would do."""
    from cxlab.features import metrics

    kpis = ", ".join(k for k, m in metrics().items() if not m.declared)
    where = (
        f" The table has no column {name!r} (one value per unit) nor {name!r}__y and "
        f"{name!r}__d (sums per unit, as unit_metrics builds them); its columns are "
        f"{', '.join(columns)}."
        if columns is not None
        else ""
    )
    return OptionError(
        f"{parameter}={name!r} is not a metric this analysis can compute.{where} Use a KPI of the "
        f"metric dictionary ({kpis}), or declare your own as a ratio of sums over contacts: "
        f"cxlab.features.declare_metric({name!r}, label={{'zh': ..., 'en': ...}}, unit='share', "
        "higher_is_better=True, numerator=pl.col(...), denominator=pl.col(...))."
    )


def find(name: str | Metric | None, measures: Sequence[Metric] = ()) -> Metric:
    """The metric called ``name`` among a result's ``measures``, else resolved by name."""
    if isinstance(name, Metric):
        return name
    for m in measures:
        if m.name == (name or ""):
            return m
    return resolve(name)


def metric_label(m: Metric) -> str:
    """The reader's name of a metric: the declared label, the dictionary's label, or a plain
    column's name ("Column fcr" when it shares a dictionary KPI's name: never the KPI's label)."""
    from cxlab.features import metrics

    if not m.name:
        return gettext(OUTCOME)
    if not m.declared and m.numerator is None and m.name in metrics():
        return _("Column {name}").format(name=m.name)
    return m.label


def metric_info(
    name: str | Metric | None, measures: Sequence[Metric] = ()
) -> tuple[str, str, bool | None]:
    """``(label, unit, higher_is_better)`` of the analyst's metric (label in the reader's
    language): a dictionary KPI, a declared metric or a plain column (see :func:`find`).

    Every number this room shows of a metric is a mean per unit (or per contact) or a difference
    of two such means. A "ratio" or a "count" is therefore written as a plain number with two
    decimals (0.30, +0.15): never the multiplicative "×0.05" the formatter writes for a ratio of
    two levels, nor a count's whole "+0".
    """
    m = find(name, measures)
    unit = "number" if m.unit in ("ratio", "count") else m.unit
    return metric_label(m), unit, m.higher_is_better


def percent_text(x: float) -> str:
    """A level or a risk as a reader reads it: 95%, 5%, 97.5% (no decimal when it is whole)."""
    whole = abs(x * 100 - round(x * 100)) < 1e-9
    return fmt_value(x, "share", decimals=0 if whole else 1)


def level_text(alpha: float) -> str:
    """The confidence level of an interval at ``alpha``: 95% at 0.05, 90% at 0.1."""
    return percent_text(1 - alpha)


def verdict_word(verdict: str) -> str:
    """The verdict as a reader reads it ("Ship", "建议推广")."""
    return gettext(VERDICTS.get(verdict, verdict))


def design_word(design: str) -> str:
    return gettext(DESIGNS.get(design, design))


def share_text(x: float) -> str:
    """A proportion of a whole (78.1%)."""
    return fmt_value(x, "share")


def relative_text(x: float) -> str:
    """A relative change (+8.0%)."""
    return fmt_change(x, "percent")


def day_text(value: dt.date | dt.datetime | None) -> str:
    return fmt_date(value)


def judgement(
    estimate: float, low: float, high: float, higher_is_better: bool | None, *, sure: bool = True
) -> str:
    """ "better, beyond chance", "worse, beyond chance", "changed beyond chance" or "no clear change".

    ``sure=False`` (a check of the design is borderline or failed) says only the direction:
    "better", "worse", "changed": the design cannot back "beyond chance".
    """
    if not (low > 0 or high < 0):
        return _("no clear change")
    good = higher_is_better is not None and (estimate > 0) == higher_is_better
    if not sure:
        if higher_is_better is None:
            return _("changed")
        return _("better") if good else _("worse")
    if higher_is_better is None:
        return _("a change beyond chance")
    return _("better, beyond chance") if good else _("worse, beyond chance")


def effect_sentence(
    metric: str | Metric | None,
    estimate: float,
    low: float,
    high: float,
    *,
    sure: bool = True,
    inside: bool = False,
    measures: Sequence[Metric] = (),
) -> str:
    """ "First-contact resolution +5.9 pp (better, beyond chance), likely between +4.7 pp and
    +7.2 pp"; ``inside`` when the sentence follows a colon (the label in lower case in English).
    A metric without a better direction "changed" (no "better" or "worse")."""
    name, unit, hib = metric_info(metric, measures)
    return _("{metric} {effect} ({judgement}), likely between {low} and {high}").format(
        metric=inline(name) if inside else name,
        effect=fmt_change(estimate, unit),
        judgement=judgement(estimate, low, high, hib, sure=sure),
        low=fmt_change(low, unit),
        high=fmt_change(high, unit),
    )


def size_text(value: float, unit: str) -> str:
    """A size in the metric's units without a sign (a standard error, a detectable effect)."""
    return fmt_change(abs(value), unit).lstrip("+")


def check_status(p_value: float, threshold: float, borderline: float) -> str:
    """ "failed" below ``threshold``, "borderline" below ``borderline``, else "passed"."""
    if p_value is None or (isinstance(p_value, float) and math.isnan(p_value)):
        return "untested"
    if p_value < threshold:
        return "failed"
    return "borderline" if p_value < borderline else "passed"


CHECK_WORDS: dict[str, str] = {
    "passed": N_("Passed"),
    "borderline": N_("Borderline"),
    "failed": N_("Failed"),
    "untested": N_("Could not be tested"),
}


def check_word(status: str) -> str:
    return gettext(CHECK_WORDS.get(status, status))


def metric_arm(item: str, measures: Sequence[Metric] = ()) -> str:
    """A metric's label, with the arm when it is not the only treatment ("FCR (treatment B)")."""
    metric, _sep, arm = item.partition("|")
    name = metric_info(metric, measures)[0]
    return name if arm in ("", "treatment") else f"{name} ({label(arm)})"


@dataclass(frozen=True)
class Phrase:
    """A sentence kept as its msgid and identifiers, worded in the language of the moment it is
    read (a result computed in one language reads right in the other).

    ``lists`` name placeholders filled with a list of identifiers (metrics, ``metric|arm``);
    ``measures`` are the analyst's metrics those identifiers name (see :func:`find`).
    """

    msgid: str
    lists: tuple[tuple[str, tuple[str, ...]], ...] = ()
    measures: tuple[Metric, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        values = {}
        for k, items in self.lists:
            names = [metric_arm(i, self.measures) for i in items]
            if not self.msgid.startswith("{" + k + "}"):  # inside the sentence: lower case
                names = [inline(n) for n in names]
            values[k] = fmt_list(names)
        return _(self.msgid).format(**values)


STUDENTISED = N_(
    "Each estimate, real and placebo, is ranked in units of its own standard error, built from "
    "each region's period-to-period noise before the start, so that a small, noisy region's "
    "change is not mistaken for an effect (a studentised permutation test; Ferman and Pinto "
    "2019)."
)
"""How DiD and staggered DiD rank their estimates with few pilot regions (appendix words)."""


def rank_status(p_value: float, placebos: int, alpha: float) -> str:
    """How unusual a single pilot region's gap is among the ``placebos`` regions without it (each
    in turn as a fake pilot): "passed" when the rank ``p_value`` reaches ``alpha``; "borderline"
    when it ranks first but too few regions can reach it, or p is below twice ``alpha``; "failed"
    otherwise."""
    smallest = 1 / (placebos + 1)
    if p_value <= alpha:
        return "passed"
    if p_value <= max(2 * alpha, smallest + 1e-12):
        return "borderline"
    return "failed"


def rank_sentence(
    region: str, p_value: float, placebos: int, alpha: float, *, against_noise: bool = False
) -> str:
    """Plain words: is the pilot ``region``'s gap unusual among the regions without the pilot?
    ``against_noise``: the ranking compares each region's change in units of its own
    period-to-period noise (DiD), not the plain gaps (synthetic control)."""
    n = placebos
    larger = round(p_value * (n + 1)) - 1
    chance = _("1 in {k}").format(k=fmt_value(1 / p_value, "count"))
    status = rank_status(p_value, placebos, alpha)
    if status == "passed" and larger == 0:
        text = (
            _(
                "Measured against each region's own period-to-period noise, {region}'s change "
                "is larger than that of every one of the {n} regions without the pilot: a change "
                "this unusual happens by luck only {chance} times."
            )
            if against_noise
            else _(
                "{region}'s gap is larger than that of every one of the {n} regions without the "
                "pilot: a gap this unusual happens by luck only {chance} times."
            )
        )
    elif status == "passed":
        text = (
            _(
                "Measured against each region's own period-to-period noise, {region}'s change "
                "is larger than that of all but {larger} of the {n} regions without the pilot: a "
                "change this unusual happens by luck only {chance} times."
            )
            if against_noise
            else _(
                "{region}'s gap is larger than that of all but {larger} of the {n} regions "
                "without the pilot: a gap this unusual happens by luck only {chance} times."
            )
        )
    elif larger == 0:
        text = (
            _(
                "Borderline: measured against each region's own period-to-period noise, "
                "{region}'s change is larger than that of every one of the {n} regions without "
                "the pilot, but with this few regions to compare with, ranking first cannot rule "
                "out luck (section 3 says why). The effect is likely, but this comparison alone "
                "cannot prove it."
            )
            if against_noise
            else _(
                "Borderline: {region}'s gap is larger than that of every one of the {n} regions "
                "without the pilot, but with this few regions to compare with, ranking first "
                "cannot rule out luck (section 3 says why). The effect is likely, but this "
                "comparison alone cannot prove it."
            )
        )
    elif against_noise:
        text = ngettext(
            "Measured against each region's own period-to-period noise, {larger} of the {n} "
            "regions without the pilot shows a change as large as {region}'s: a change like this "
            "happens by luck about {chance} times, so the effect is not distinguishable from "
            "chance.",
            "Measured against each region's own period-to-period noise, {larger} of the {n} "
            "regions without the pilot show a change as large as {region}'s: a change like this "
            "happens by luck about {chance} times, so the effect is not distinguishable from "
            "chance.",
            larger,
        )
    else:
        text = ngettext(
            "{larger} of the {n} regions without the pilot shows a gap as large as "
            "{region}'s: a gap like this happens by luck about {chance} times, so the "
            "effect is not distinguishable from chance.",
            "{larger} of the {n} regions without the pilot show a gap as large as "
            "{region}'s: a gap like this happens by luck about {chance} times, so the "
            "effect is not distinguishable from chance.",
            larger,
        )
    return text.format(region=label(region), n=n, larger=larger, chance=chance)


def rough_range_warnings(*, bell_shape: bool, controls: int, few: int) -> list[str]:
    """The cautions a placebo-ranked range shares across designs: a range that also assumes a
    bell shape (too few regions to rank alone), and fewer than ``few`` comparison regions."""
    out = []
    if bell_shape:
        out.append(
            _(
                "There are too few regions for the comparison alone to rule out chance, so "
                "the likely range also assumes that regions' changes scatter in a bell shape."
            )
        )
    if controls < few:
        out.append(
            _(
                "Only {controls} comparison regions: the likely range is itself rough, so "
                "read it as an indication."
            ).format(controls=controls)
        )
    return out
