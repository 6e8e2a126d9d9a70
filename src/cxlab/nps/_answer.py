"""The answer of an NPS report: the headline cards and the findings a head of service reads first.

:func:`answer` gathers results already computed (the change, the trend, the key drivers, the
themes, the follow-up list) into one result; it computes nothing new, so every number it shows is
the number of the section below it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import polars as pl

from cxlab._present import Headline, _, fmt_value, label
from cxlab._result import Result
from cxlab.nps._details import join, sentences
from cxlab.nps._drivers import KeyDrivers
from cxlab.nps._followup import FollowUp
from cxlab.nps._score import NpsChange
from cxlab.nps._themes import Themes
from cxlab.nps._trend import NpsTrend
from cxlab.nps._words import theme_label


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
        if self.follow_up is not None:
            cards += self.follow_up.headline()
        return cards

    def findings(self) -> list[str]:
        out = list(self.change.findings())
        c = self.change
        if self.target is not None and c.table.height and c.table["n_now"][0] > 0:
            r = c.table.row(0, named=True)
            target = fmt_value(self.target, "nps")
            side = (
                _("NPS is at or above its target of {target}.")
                if r["nps_now"] >= self.target
                else _("NPS is below its target of {target}.")
            ).format(target=target)
            sure = (
                _("The whole likely range is on that side of the target.")
                if r["nps_now_low"] > self.target or r["nps_now_high"] < self.target
                else _("The likely range includes the target, so more answers could change this.")
            )
            out.append(sentences(side, sure))
        if self.drivers is not None:
            top = self.drivers.table.row(0, named=True)
            most = _(
                "What moves the score most: {driver} ({share} of what the drivers explain)."
            ).format(
                driver=label(top["term"]).lower(),
                share=fmt_value(top["importance"], "share", decimals=0),
            )
            fix = self.drivers.fix_first()
            first = (
                _("Fix first: {drivers}, important and rated below the others.").format(
                    drivers=join([label(x).lower() for x in fix])
                )
                if fix
                else ""
            )
            out.append(sentences(most, first))
        if self.themes is not None:
            t = self.themes._main().filter(
                (pl.col("theme") != "(none)") & (pl.col("mentions") >= 30)
            )
            if t.height:
                r = t.sort("nps").row(0, named=True)
                out.append(
                    _("Customers who write about {theme} score lowest (NPS {nps}).").format(
                        theme=theme_label(r["theme"]).lower(),
                        nps=fmt_value(r["nps"], "nps", decimals=0),
                    )
                )
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
