"""A churn model the data cannot support, said in words instead of failing a report.

The models raise :class:`TooLittleData` (a :class:`~cxlab.NotEnoughDataError`) when too few
customers left to fit them honestly, or when the fit does not converge (a group in which nobody
left, perfect separation). Given ``if_too_little="say"``, :func:`cxlab.churn.at_risk` and
:func:`cxlab.churn.cox` return a :class:`NotEstimated` instead: a result whose findings say, in the
reader's language, what could not be estimated and why; the results built on it
(:func:`cxlab.churn.driver_impact`, :func:`cxlab.churn.attributable_share`,
:func:`cxlab.churn.ph_check`) pass it on, and the answer leaves its cards out.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from cxlab._errors import NotEnoughDataError
from cxlab._options import check_option
from cxlab._present import N_, _, fmt_value, gettext, ngettext
from cxlab._result import Result

IfTooLittle = Literal["raise", "say"]


class TooLittleData(NotEnoughDataError):
    """Too few events for the model's terms, or a fit that did not converge."""

    def __init__(
        self,
        message: str,
        *,
        events: int | None = None,
        n: int | None = None,
        terms: int | None = None,
        converged: bool = True,
        follow_up: float | None = None,
        split_day: float | None = None,
    ) -> None:
        super().__init__(message)
        self.events, self.n, self.terms, self.converged = events, n, terms, converged
        self.follow_up, self.split_day = follow_up, split_day


def check_if_too_little(value: str) -> str:
    return check_option("if_too_little", value, IfTooLittle)


@dataclass(frozen=True)
class NotEstimated(Result):
    """Stands in for a churn result the data could not support; its findings say why.

    ``what`` names the result (a key of :data:`NAMES`: ``"at_risk"``, ``"cox"``...); the reason
    is worded when shown, in the reader's language, from the counts (``events`` among ``n`` for
    ``terms`` effects), ``converged`` or the result it was built on (``source``). It answers the calls a report makes on the result it stands for
    (``plot``, ``save``, ``details``, ``model``...) with nothing more than that sentence.
    """

    REPORT_CARDS = False

    what: str
    events: int | None = None
    n: int | None = None
    terms: int | None = None
    converged: bool = True
    source: str | None = None  # the result this one was built on, when that one failed
    follow_up: float | None = None  # the longest follow-up, when it ends before the split day
    split_day: float | None = None  # the day a time-split model would have split effects at
    error: str = ""  # the exception's message, for an analyst (English)

    @property
    def title(self) -> str:
        return gettext(NAMES[self.what][0])

    @property
    def name(self) -> str:
        """The result's name inside a sentence ("the at-risk list")."""
        return gettext(NAMES[self.what][1])

    @property
    def reason(self) -> str:
        """Why, in the reader's words (the exception's own message stays English)."""
        if self.source is not None:
            return _("it is built on {source}, which could not be").format(
                source=gettext(NAMES[self.source][1])
            )
        if self.split_day is not None and self.follow_up is not None:
            return _(
                "follow-up ends after {days} days, before day {day} where the effects would be "
                "split, so there is no time after that day to compare with the time before it"
            ).format(
                days=fmt_value(self.follow_up, "count"), day=fmt_value(self.split_day, "count")
            )
        if not self.converged:
            return _(
                "the model did not converge on these data, which happens when few customers left "
                "or nobody left in one of the groups compared"
            )
        if self.events is not None and self.n is not None:
            return ngettext(
                "{events} customer left among {n}, too few to estimate {terms} effects honestly",
                "{events} customers left among {n}, too few to estimate {terms} effects honestly",
                self.events,
            ).format(
                events=fmt_value(self.events, "count"),
                n=fmt_value(self.n, "count"),
                terms=fmt_value(self.terms or 0, "count"),
            )
        return _("these data hold too few customers who left, or too little variation, to fit it")

    @property
    def sentence(self) -> str:
        return _(
            "{what} could not be estimated: {reason}. A longer history or a wider segment "
            "usually gives enough."
        ).format(what=self.title, reason=self.reason)

    def summary(self) -> pl.DataFrame:
        """One row: what could not be estimated, the counts behind it and the reason."""
        return pl.DataFrame(
            {
                "result": [self.what],
                "estimated": [False],
                "events": pl.Series([self.events], dtype=pl.Int64),
                "n": pl.Series([self.n], dtype=pl.Int64),
                "terms": pl.Series([self.terms], dtype=pl.Int64),
                "converged": [self.converged],
                "reason": [self.reason],
            }
        )

    def findings(self) -> list[str]:
        return [self.sentence]

    def headline(self) -> list:
        return []

    def details(self) -> list[str]:
        return []

    def meaning(self) -> str:
        return self.sentence

    @property
    def model(self) -> NotEstimated:
        return self

    def plot(self, *args, **kwargs):
        """A small figure that says the chart is missing and why (no axes, no data)."""
        import plotly.graph_objects as go

        words = html.escape(_("No chart: {what} could not be estimated.").format(what=self.name))
        fig = go.Figure(
            go.Scatter(x=[0], y=[0], mode="text", text=[words], hoverinfo="skip", showlegend=False)
        )
        fig.update_layout(
            height=120,
            xaxis={"visible": False},
            yaxis={"visible": False},
            margin={"t": 10, "b": 10},
        )
        return fig

    plot_roc = plot

    def save(self, directory: str | Path | None = None) -> None:
        """Nothing to save."""
        return None

    def export_note(self, path: Path | None = None) -> str:
        return _("No list was saved: {what} could not be estimated.").format(what=self.name)

    def export_file_note(self, path: Path | None = None) -> str:
        return self.export_note(path)

    def _repr_html_(self) -> str:
        from cxlab._present import CSS, findings_html

        return (
            f"{CSS}<div class='cx-result'><h4>{html.escape(self.title)}</h4>"
            f"{findings_html(self.findings())}</div>"
        )


def not_estimated(what: str, error: NotEnoughDataError) -> NotEstimated:
    if isinstance(error, TooLittleData):
        return NotEstimated(
            what=what,
            events=error.events,
            n=error.n,
            terms=error.terms,
            converged=error.converged,
            follow_up=error.follow_up,
            split_day=error.split_day,
            error=str(error),
        )
    return NotEstimated(what=what, error=str(error))


def passed_on(what: str, source: NotEstimated) -> NotEstimated:
    """A result built on one that could not be estimated."""
    return NotEstimated(what=what, source=source.what, error=source.error)


AT_RISK, COX, DRIVERS, SHARE, PH_CHECK = "at_risk", "cox", "drivers", "share", "ph_check"
NAMES = {
    AT_RISK: (N_("The at-risk list"), N_("the at-risk list")),
    COX: (N_("The Cox model"), N_("the Cox model")),
    DRIVERS: (N_("The cost of each driver"), N_("the cost of each driver")),
    SHARE: (
        N_("The share of churn the service experience explains"),
        N_("the share of churn the service experience explains"),
    ),
    PH_CHECK: (N_("The proportional-hazards check"), N_("the proportional-hazards check")),
}
"""Each result that may not be estimable: its name as a title and inside a sentence."""
