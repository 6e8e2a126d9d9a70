"""The scorecard: every targeted KPI of the month against its target, and its change.

The table holds numbers only; words and formatted figures are made when it is shown, in the
report's language. A status is decided on the value and shown with the digits that decide it
(10.02% against ≤ 10% reads "10.02% against ≤ 10.00%", never "10.0% against ≤ 10.0%").
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from cxlab._present import (
    N_,
    Headline,
    _,
    decisive_decimals,
    fmt_change,
    fmt_value,
    label,
)
from cxlab._result import Result
from cxlab.features import MetricConfig, metrics
from cxlab.review._moments import change_test, moments
from cxlab.review._period import ReviewPeriods
from cxlab.review._shared import prepared_for
from cxlab.review._show import (
    DURATION_UNITS,
    cap,
    chart_text,
    duration_unit,
    fmt_duration,
    kpi_name,
    mid,
    scope_text,
    section_html,
    titled,
)
from cxlab.viz import COLORS, TARGET_LINE

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
    ("sla_resolved", "priority=P1"),
]
WATCH = [("sla_resolved", "priority=P1")]  # without a target, but said in the answer
HEADLINE = [  # the tiles at the top of the report, most important first
    ("fcr", "all"),
    ("csat", "all"),
    ("service_level", "channel=phone"),
    ("answer_rate", "channel=phone"),
    ("resolution_within", "all"),
    ("complaint_rate", "all"),
]
TARGETS_INGEST = "cxlab data ingest FILE --table targets"
SCORECARD_SCHEMA = {  # a KPI of a period against its target, and its change from another period
    "kpi": pl.Utf8,
    "scope": pl.Utf8,
    "unit": pl.Utf8,
    "value": pl.Float64,
    "previous": pl.Float64,
    "change": pl.Float64,
    "p_value": pl.Float64,
    "target": pl.Float64,
    "direction": pl.Utf8,
    "met": pl.Boolean,
    "higher_is_better": pl.Boolean,
    "n": pl.Float64,
}
BEYOND_NORMAL = 0.01  # a change counts as beyond normal variation at p < 0.01
TILES = 5  # one row of tiles: how many targets were missed, the misses, then what was met
# (every miss has its tile, even when the misses alone fill more than the row)


_CHANGE_DECIMALS = {"share": 1, "score": 2, "count": 0, "nps": 1, "money": 0}


def _scale(unit: str, value: float | None) -> tuple[float, int, str | None]:
    """How a unit's figures are read: the factor to the number shown, the change's decimals
    and, for durations, the unit of time a level and its change read in."""
    if unit == "share":
        return 100.0, 1, None
    if unit == "seconds":
        dunit = duration_unit(value)
        return 1.0 / DURATION_UNITS[dunit], 0 if dunit == "s" else 1, dunit
    return 1.0, _CHANGE_DECIMALS.get(unit, 2), None


def pair_texts(
    value: float | None,
    previous: float | None,
    change: float | None,
    unit: str,
    decimals: int | None = None,
) -> tuple[str, str, str]:
    """This month's figure, the comparison month's and the change, all three with one precision
    decided per row: the unit's usual decimals (86.7%, 85.3%, +1.5 pp), more only where the
    status needs them (10.02% against ≤ 10.00% reads 10.02%, 10.65%, -0.63 pp). A change that
    rounds to zero at that precision reads "no change", never "+0.0 pp"."""
    _factor, change_digits, dunit = _scale(unit, value)
    if value is None:
        return "–", "–", "–"
    digits = change_digits if unit == "seconds" or decimals is None else decimals

    def level(v: float | None) -> str:
        if unit == "seconds":
            return fmt_duration(v, dunit, decimals=digits)
        return fmt_value(v, unit, decimals=digits)

    change_words = "–" if change is None else change_text(change, unit, digits, dunit)
    return level(value), level(previous) if previous is not None else "–", change_words


def change_text(
    change: float, unit: str, digits: int | None = None, dunit: str | None = None
) -> str:
    """A change read at the precision of the level beside it (``digits``; the unit's change
    decimals by default), or "no change" where it rounds to zero at that precision."""
    if unit == "seconds":
        dunit = dunit or duration_unit(change)
        factor, change_digits = 1.0 / DURATION_UNITS[dunit], 0 if dunit == "s" else 1
    else:
        factor, change_digits, _unused = _scale(unit, change)
    digits = change_digits if digits is None else digits
    if round(change * factor, digits) == 0:
        return _("no change")
    if unit == "seconds":
        return fmt_duration(change, dunit, decimals=digits, signed=True)
    return fmt_change(change, unit, decimals=digits)


def _actual(card: Headline) -> str:
    """A card's figure for a sentence: a 1-5 score says its scale ("4.26 of 5", "4.26分")."""
    text = card.value_text(compact=False)
    return _("{score} of 5").format(score=text) if card.unit == "score" else text


def _in(prepared: pl.LazyFrame, period: ReviewPeriods, which: str = "current") -> pl.LazyFrame:
    lo, hi = period.bounds(which)  # type: ignore[arg-type]
    return prepared.filter(pl.col("arrived_at").is_between(lo, hi, closed="left"))


def _scope(expr: str) -> pl.Expr:
    if expr in ("all", "", "*"):
        return pl.lit(True)
    column, value = expr.split("=", 1)
    return pl.col(column.strip()) == value.strip()


@dataclass(frozen=True)
class Scorecard(Result):
    """KPIs of the month against targets, with the change from the comparison month."""

    table: pl.DataFrame
    period: ReviewPeriods
    config: MetricConfig | None = None

    @property
    def title(self) -> str:
        return _("KPIs for {month} against targets").format(month=self.period.label)

    def summary(self) -> pl.DataFrame:
        return self.table

    # -- cards ----------------------------------------------------------------------------------

    def _card(self, r: dict) -> Headline:
        return Headline(
            key=f"{r['kpi']}:{r['scope']}",
            label=kpi_name(r["kpi"], r["scope"]),
            value=r["value"],
            unit=r["unit"],
            target=r["target"],
            direction=r["direction"] if r["target"] is not None else None,
            period=self.period.dates(),
            change=r["change"],
            compared_to=self.period.compare_to,  # type: ignore[arg-type]
            higher_is_better=r["higher_is_better"],
        )

    def cards(self) -> list[Headline]:
        """One card per row of the scorecard."""
        return [self._card(r) for r in self.table.iter_rows(named=True)]

    def missed(self) -> list[Headline]:
        """The targets missed, the largest miss (relative to its target) first."""
        out = [c for c in self.cards() if c.status == "missed"]
        return sorted(out, key=lambda c: -abs(c.value - c.target) / max(abs(c.target), 1e-12))

    def headline(self) -> list[Headline]:
        """The report's headline tiles: how many targets were missed, then every miss (largest
        first; a tile for each miss the count names, even past one row of five), then, while the
        row has room, the headline measures that met their targets (FCR, CSAT, phone service
        level and answer rate, resolution within the promise, complaint rate)."""
        cards = self.cards()
        targeted = [c for c in cards if c.status is not None]
        missed = self.missed()
        out: list[Headline] = []
        if targeted:
            out.append(
                Headline(
                    key="targets_missed",
                    label=N_("Targets missed"),
                    value=_("{missed} of {total}").format(missed=len(missed), total=len(targeted)),
                    unit="text",
                    period=self.period.dates(),
                    detail=_("all targets met") if not missed else None,
                )
            )
        out += missed
        by_key = {c.key: c for c in cards}
        for k, s in HEADLINE:
            c = by_key.get(f"{k}:{s}")
            if len(out) < TILES and c is not None and c not in out:
                out.append(c)
        return out

    # -- words ----------------------------------------------------------------------------------

    @staticmethod
    def _target(card: Headline) -> str:
        digits = decisive_decimals(card.value, card.target, card.unit)  # type: ignore[arg-type]
        sign = {">=": "≥ ", "<=": "≤ "}.get(card.direction or "", "")
        return sign + fmt_value(card.target, card.unit, decimals=digits)

    @staticmethod
    def _gap(card: Headline) -> str:
        """How far a missed figure is from its target, in the digits that decide it."""
        digits = decisive_decimals(card.value, card.target, card.unit)  # type: ignore[arg-type]
        gap = abs(float(card.value) - float(card.target))  # type: ignore[arg-type]
        return fmt_change(gap, card.unit, decimals=digits).lstrip("+")

    def findings(self) -> list[str]:
        """Every missed target (largest first, with its gap), what is on target, what moved
        beyond normal variation, and the measures watched without a target."""
        out = []
        cards = {c.key: c for c in self.cards()}
        rows = list(self.table.iter_rows(named=True))
        for c in self.missed():
            words = (
                _("{metric} missed its target: {actual} against a target of {target}, {gap} short.")
                if c.direction == ">="
                else _(
                    "{metric} missed its target: {actual} against a target of {target}, {gap} over."
                )
            )
            out.append(
                words.format(
                    metric=cap(c.label),
                    actual=_actual(c),
                    target=self._target(c),
                    gap=self._gap(c),
                )
            )
        if rows and all(r["target"] is None for r in rows):
            out.append(
                _(
                    "No targets are set, so nothing is marked met or missed: the scorecard gives "
                    "the month's results and their changes. Load the targets with {command}."
                ).format(command=TARGETS_INGEST)
            )
        config = self.config or MetricConfig()
        within = cards.get("resolution_within:all")
        if within is not None and within.value is not None:
            out.append(
                _(
                    "Resolved within promise is the share of answered contacts resolved within "
                    "the general promise of {hours} hours from arrival, whatever their priority; "
                    "resolved within priority SLA measures the same contacts against their own "
                    "priority's time ({times}), so the two differ."
                ).format(
                    hours=fmt_value(config.resolution_hours, "count"),
                    times=_(", ").join(
                        _("{priority} {hours} h").format(priority=k, hours=fmt_value(v, "count"))
                        for k, v in config.sla_resolve_hours.items()
                    ),
                )
            )
        overall = cards.get("sla_resolved:all")
        for k, s in WATCH:
            c = cards.get(f"{k}:{s}")
            if c is not None and c.target is None and c.value is not None:
                hours = config.sla_resolve_hours.get(s.split("=", 1)[-1])
                out.append(
                    _(
                        "A concern: only {actual} of P1 (urgent) contacts were resolved within "
                        "their {hours} hours, against {overall} across all priorities. No target "
                        "is set for it."
                    ).format(
                        actual=_actual(c),
                        hours=fmt_value(hours, "count") if hours is not None else "–",
                        overall=overall.value_text(compact=False) if overall else "–",
                    )
                )
        met = [cards[f"{r['kpi']}:{r['scope']}"] for r in rows]
        met = [c for c in met if c.status == "met"]
        if met:
            items = _(", ").join(
                _("{metric} {actual}").format(metric=mid(c.label), actual=_actual(c)) for c in met
            )
            out.append(_("On target: {items}.").format(items=items))
        moved = [
            r
            for r in rows
            if r["p_value"] is not None
            and r["p_value"] < BEYOND_NORMAL
            and r["change"] is not None
            and r["higher_is_better"] is not None
        ]
        for r in sorted(moved, key=lambda r: r["p_value"])[:5]:
            c = cards[f"{r['kpi']}:{r['scope']}"]
            up = r["change"] > 0
            better = up == r["higher_is_better"]
            words = {
                (True, True): _(
                    "{metric} rose to {actual} ({change} {compared}), an improvement beyond "
                    "normal variation."
                ),
                (False, True): _(
                    "{metric} fell to {actual} ({change} {compared}), an improvement beyond "
                    "normal variation."
                ),
                (True, False): _(
                    "{metric} rose to {actual} ({change} {compared}), a deterioration beyond "
                    "normal variation."
                ),
                (False, False): _(
                    "{metric} fell to {actual} ({change} {compared}), a deterioration beyond "
                    "normal variation."
                ),
            }[(up, better)]
            out.append(
                words.format(
                    metric=cap(c.label),
                    actual=_actual(c),
                    change=fmt_duration(r["change"], duration_unit(r["value"]), signed=True)
                    if r["unit"] == "seconds"
                    else fmt_change(r["change"], r["unit"]),
                    compared=self.period.compare_words,
                )
            )
        steady = [
            mid(cards[f"{r['kpi']}:{r['scope']}"].label)
            for r in rows
            if r["p_value"] is not None
            and r["p_value"] >= BEYOND_NORMAL
            and r["target"] is not None
        ]
        if steady:
            words = (
                _("Within normal year-on-year variation: {items}.")
                if self.period.compare_to == "year_ago"
                else _("Within normal month-to-month variation: {items}.")
            )
            out.append(words.format(items=_(", ").join(steady)))
        return out

    # -- tables ---------------------------------------------------------------------------------

    def _rows(self, targeted: bool | None) -> list[dict]:
        rows = []
        for r, c in zip(self.table.iter_rows(named=True), self.cards(), strict=True):
            if targeted is not None and (r["target"] is not None) != targeted:
                continue
            moved = ""
            if r["p_value"] is not None:
                moved = _("yes") if r["p_value"] < BEYOND_NORMAL else _("no")
            actual, previous, change = pair_texts(
                r["value"], r["previous"], r["change"], r["unit"], c._decimals()
            )
            rows.append(
                {
                    "kpi_text": label(r["kpi"]),
                    "scope_text": scope_text(r["scope"]),
                    "target_text": self._target(c) if r["target"] is not None else "",
                    "actual_text": actual,
                    "attained": label(c.status) if c.status else "",
                    "previous": previous,
                    "change": change,
                    "moved": moved,
                    "p_value_change": r["p_value"],
                    "n": r["n"],
                }
            )
        return rows

    def report_table(self, *, targeted: bool | None = True, detail: bool = False) -> pl.DataFrame:
        """The scorecard as a service department writes it: measure, scope, target, actual,
        attained, the comparison month and the change (``targeted=False``: the KPIs without a
        target; ``None``: all; ``detail`` adds the change test's p-value and the contacts)."""
        schema = {
            "kpi_text": pl.Utf8,
            "scope_text": pl.Utf8,
            "target_text": pl.Utf8,
            "actual_text": pl.Utf8,
            "attained": pl.Utf8,
            "previous": pl.Utf8,
            "change": pl.Utf8,
            "moved": pl.Utf8,
            "p_value_change": pl.Float64,
            "n": pl.Float64,
        }
        frame = pl.DataFrame(self._rows(targeted), schema=schema)
        if not detail:
            frame = frame.drop("p_value_change", "n")
        else:  # the appendix's wide table: measure and scope in one column, so it fits the page
            frame = frame.with_columns(
                pl.struct("kpi_text", "scope_text")
                .map_elements(
                    lambda x: (
                        x["kpi_text"]
                        if x["scope_text"] == _("All contacts")
                        else _("{metric} ({scope})").format(
                            metric=x["kpi_text"], scope=x["scope_text"]
                        )
                    ),
                    return_dtype=pl.Utf8,
                )
                .alias("kpi_text")
            ).drop("scope_text")
        if targeted is False:
            frame = frame.drop("target_text", "attained")
        return frame.rename(
            {
                "previous": self.period.compare_label,
                "change": self.period.compare_words,
                "n": _("Base (contacts or surveys)"),
            },
            strict=False,
        )

    def _repr_html_(self) -> str:
        return section_html(self.title, self.findings(), self.report_table(targeted=None))

    def plot(self) -> go.Figure:
        """Each rate with a target against it; without any target (none set for the workspace),
        each rate of the scorecard against the comparison month instead, in one neutral colour."""
        shares = self.table.filter(pl.col("unit") == "share", pl.col("target").is_not_null())
        if shares.height:
            return self._rate_bars(
                shares,
                colors=[COLORS["good"] if m else COLORS["bad"] for m in shares["met"]],
                marks=shares.select("kpi", "scope", pl.col("target").alias("mark")),
                mark_name=_("Target"),
                mark_color=TARGET_LINE["color"],
                mark_digits=0,
                title=_("Rates against their targets, {month}").format(month=self.period.label),
            )
        shares = self.table.filter(pl.col("unit") == "share", pl.col("value").is_not_null())
        note = _("No targets are set. Marks: {compared}.").format(
            compared=self.period.compare_label
        )
        return self._rate_bars(
            shares,
            colors=COLORS["periods"]["current"],
            marks=shares.filter(pl.col("previous").is_not_null()).select(
                "kpi", "scope", pl.col("previous").alias("mark")
            ),
            mark_name=self.period.compare_label,
            mark_color=COLORS["periods"]["compare"],
            mark_digits=1,
            title=titled(_("Rates, {month}").format(month=self.period.label), note),
        )

    def _rate_bars(
        self,
        shares: pl.DataFrame,
        *,
        colors,
        marks: pl.DataFrame,
        mark_name: str,
        mark_color: str,
        mark_digits: int,
        title: str,
    ) -> go.Figure:
        """Each rate as a bar, with a mark per rate (its target, or the comparison month's)."""

        def names(frame: pl.DataFrame) -> list[str]:
            return [
                chart_text(kpi_name(k, s))
                for k, s in zip(frame["kpi"], frame["scope"], strict=True)
            ]

        cards = [self._card(r) for r in shares.iter_rows(named=True)]
        fig = go.Figure()
        fig.add_bar(
            y=names(shares),
            x=(shares["value"] * 100).to_list(),
            orientation="h",
            name=self.period.label,
            marker_color=colors,
            text=[c.value_text(compact=False) for c in cards],
            textposition="inside",
            insidetextanchor="start",
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
        fig.add_scatter(
            y=names(marks),
            x=(marks["mark"] * 100).to_list(),
            mode="markers",
            name=mark_name,
            marker=dict(symbol="line-ns-open", size=22, color=mark_color, line_width=3),
            hovertemplate="%{y}: " + mark_name + f" %{{x:.{mark_digits}f}}%<extra></extra>",
        )
        fig.update_layout(
            title=title,
            xaxis=dict(title="%", range=[0, 100]),
            yaxis=dict(autorange="reversed", automargin=True),
            height=170 + 40 * shares.height,
            showlegend=False,
        )
        return fig


def scorecard(
    contacts: pl.LazyFrame,
    targets: pl.DataFrame,
    period: ReviewPeriods,
    *,
    config: MetricConfig | None = None,
    recorded: pl.DataFrame | None = None,
) -> Scorecard:
    """Every targeted KPI and the headline KPIs, this month and last, with a change test.

    ``recorded``: KPIs another report measured for the month (``ReviewInputs.recorded``: the
    classification accuracy of the contact-reasons report), each with the target of the targets
    table when it has one, else the target the report was run with; they have no comparison
    month in the scorecard."""
    dictionary = metrics(config)
    prepared = prepared_for(contacts, period, config=config)
    # the two months once, in memory: every KPI and scope below reads them (the repeat-contact
    # window of an opened review is computed once for all its sections, see _shared; of any
    # other table, over all its contacts, once here)
    months = {
        which: _in(prepared, period, which).collect().lazy() for which in ("current", "compare")
    }
    rows = []
    wanted = [
        (t["kpi"], t["scope"], t["target"], t["direction"])
        for t in targets.iter_rows(named=True)
        if t["kpi"] in dictionary
    ]
    targeted = {(k, s) for k, s, _t, _d in wanted}
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
                "scope": scope,
                "unit": m.unit,
                "value": value,
                "previous": before,
                "change": change,
                "p_value": p,
                "target": target,
                "direction": direction,
                "met": met,
                "higher_is_better": m.higher_is_better,
                "n": cur["den"],
            }
        )
    for r in [] if recorded is None else recorded.iter_rows(named=True):
        given = targets.filter((pl.col("kpi") == r["kpi"]) & (pl.col("scope") == r["scope"]))
        target, direction = r["target"], r["direction"]
        if given.height:
            target, direction = given["target"][0], given["direction"][0]
        met = None
        if target is not None and r["value"] is not None:
            met = r["value"] >= target if direction == ">=" else r["value"] <= target
        rows.append(
            {
                "kpi": r["kpi"],
                "scope": r["scope"],
                "unit": r["unit"],
                "value": r["value"],
                "previous": None,
                "change": None,
                "p_value": None,
                "target": target,
                "direction": direction if target is not None else None,
                "met": met,
                "higher_is_better": r["higher_is_better"],
                "n": None,
            }
        )
    return Scorecard(
        table=pl.DataFrame(rows, schema=SCORECARD_SCHEMA), period=period, config=config
    )
