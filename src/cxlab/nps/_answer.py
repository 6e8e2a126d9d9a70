"""The answer of an NPS report: the headline cards and the findings a head of service reads first.

:func:`answer` gathers results already computed (the change, the trend, the key drivers, the
themes, the follow-up list) into one result; it computes nothing new, so every number it shows is
the number of the section below it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import polars as pl

from cxlab._present import (
    N_,
    Headline,
    _,
    fmt_month,
    fmt_value,
    join_sentences,
    label,
    parse_period,
)
from cxlab._result import Result
from cxlab.nps._drivers import KeyDrivers
from cxlab.nps._followup import FollowUp
from cxlab.nps._score import NpsChange
from cxlab.nps._themes import Themes
from cxlab.nps._trend import NpsTrend


@dataclass(frozen=True)
class NpsAnswer(Result):
    """NPS against its target and the comparison period, why it is where it is, who to call."""

    change: NpsChange
    target: float | None = None
    trend: NpsTrend | None = None
    drivers: KeyDrivers | None = None
    themes: Themes | None = None
    follow_up: FollowUp | None = None

    @property
    def title(self) -> str:
        return _("NPS, {period}").format(period=self.change.period_text)

    def summary(self) -> pl.DataFrame:
        return self.change.summary()

    def headline(self) -> list[Headline]:
        cards = self.change.headline(target=self.target, trend=self.trend)
        later = self._later_month()
        if later is not None:
            now, before = later
            start = now["ts"].date()
            cards.append(
                Headline(
                    key="nps_latest_month",
                    label=N_("NPS, latest month"),
                    value=now["nps"],
                    unit="nps",
                    target=self.target,
                    direction=">=" if self.target is not None else None,
                    period=parse_period(f"{start:%Y-%m}").iso,
                    # the difference of the two figures as the trend shows them (one decimal)
                    change=None
                    if before is None
                    else round(round(now["nps"], 1) - round(before["nps"], 1), 1),
                    compared_to="previous",
                    higher_is_better=True,
                    low=now["ci_low"],
                    high=now["ci_high"],
                    detail=_("One month: a small sample"),
                )
            )
        if self.follow_up is not None:
            cards += self.follow_up.headline()
        return cards

    def _later_month(self) -> tuple[dict, dict | None] | None:
        """The latest month of the trend when it lies after the headline period (a quarter
        still running), with the month before it: ``(latest, previous)`` rows, else ``None``."""
        c = self.change
        if self.trend is None or self.trend.by or c.now_period is None:
            return None
        if not self.trend.every.endswith("mo") or self.trend.table.height == 0:
            return None
        t = self.trend.table.sort("ts")
        last = t.row(t.height - 1, named=True)
        if last["ts"].date() < c.now_period.end:
            return None
        before = t.row(t.height - 2, named=True) if t.height > 1 else None
        return last, before

    def _later_words(self) -> str | None:
        """The latest month after the headline period in a sentence ("October, the first month
        of Q4: +36.1, 8.4 points below September; one month is a small sample")."""
        later = self._later_month()
        if later is None:
            return None
        now, before = later
        start = now["ts"].date()
        month = fmt_month(start)
        period = self.change.now_period
        quarter = parse_period(f"{start.year}-Q{(start.month - 1) // 3 + 1}")
        position = (start.year * 12 + start.month) - (quarter.start.year * 12 + quarter.start.month)
        if period is not None and period.unit == "quarter" and position == 0:
            head = _("{month}, the first month of {quarter}")
        elif period is not None and period.unit == "quarter" and position == 1:
            head = _("{month}, the second month of {quarter}")
        else:
            head = _("{month}, after {period}")
        head = head.format(month=month, quarter=quarter.text, period=period.text if period else "")
        if before is None:
            comparison = ""
        else:
            delta = round(now["nps"], 1) - round(before["nps"], 1)
            previous = fmt_month(before["ts"].date())
            points = fmt_value(abs(delta), "ratio", decimals=1)
            comparison = (
                _("{points} points below {previous}")
                if delta < 0
                else _("{points} points above {previous}")
                if delta > 0
                else _("the same as {previous}")
            ).format(points=points, previous=previous)
        return _(
            "{head}: NPS {nps}, {comparison}; one month is a small sample (likely between {low} "
            "and {high}, {n} answers)."
        ).format(
            head=head,
            nps=fmt_value(now["nps"], "nps"),
            comparison=comparison,
            low=fmt_value(now["ci_low"], "nps"),
            high=fmt_value(now["ci_high"], "nps"),
            n=fmt_value(now["n"], "count"),
        )

    def findings(self) -> list[str]:
        out = list(self.change.findings())
        later = self._later_words()
        if later:
            out.append(later)
        c = self.change
        if self.target is not None and c.table.height and c.table["n_now"][0] > 0:
            r = c.table.row(0, named=True)
            target = fmt_value(self.target, "nps")
            side = (
                _("NPS is at or above its target of {target}.")
                if r["nps_now"] >= self.target
                else _("NPS is below its target of {target}.")
            ).format(target=target)
            if r["nps_now_low"] > self.target:
                sure = _("The whole likely range is above the target.")
            elif r["nps_now_high"] < self.target:
                sure = _("The whole likely range is below the target.")
            else:
                sure = _("The likely range includes the target, so more answers could change this.")
            out.append(join_sentences(side, sure))
        if self.drivers is not None:
            top = self.drivers.table.row(0, named=True)
            most = _(
                "What moves the score most: “{driver}” ({share} of what the drivers explain)."
            ).format(
                driver=label(top["term"]),
                share=fmt_value(top["importance"], "share", decimals=0),
            )
            out.append(join_sentences(most, self.drivers.fix_first_sentence()))
        if self.themes is not None:
            lowest = self.themes.lowest_words(brief=True)
            if lowest:
                out.append(lowest)
        if self.follow_up is not None:
            out.append(
                _("{n} detractors of {period} are listed to be called back.").format(
                    n=fmt_value(self.follow_up.table.height, "count"),
                    period=self.follow_up.period_text,
                )
            )
        return out

    def _repr_html_(self) -> str:
        from cxlab._present import CSS, cards_html, findings_html

        return (
            f"{CSS}<div class='cx-result'><h4>{html.escape(self.title)}</h4>"
            f"{cards_html(self.headline())}{findings_html(self.findings())}</div>"
        )

    def plot(self):
        """The monthly NPS with its likely range and the target (the trend, without limits)."""
        if self.trend is None:
            return self.change.plot()
        fig = self.trend.plot(target=self.target, limits=False)
        fig.update_layout(
            title=html.escape(_("NPS month by month, with its likely range")), height=380
        )
        return fig


def answer(
    change: NpsChange,
    *,
    target: float | None = None,
    trend: NpsTrend | None = None,
    drivers: KeyDrivers | None = None,
    themes: Themes | None = None,
    follow_up: FollowUp | None = None,
) -> NpsAnswer:
    """The answer of an NPS report from results already computed.

    Examples
    --------
    >>> import cxlab as cx
    >>> s = cx.load("surveys")  # doctest: +SKIP
    >>> cx.nps.answer(cx.nps.compare(s), target=20, trend=cx.nps.trend(s))  # doctest: +SKIP
    """
    return NpsAnswer(
        change=change,
        target=target,
        trend=trend,
        drivers=drivers,
        themes=themes,
        follow_up=follow_up,
    )
