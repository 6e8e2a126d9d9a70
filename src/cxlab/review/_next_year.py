"""Next year, as the year-end report shows it: the projection of every targeted KPI and the
proposed targets, saved as a file the targets table ingests; or, when the history cannot carry a
projection, why not, in words.

:func:`projection` and :func:`propose_targets` refuse a history that is too short; the report
says so instead, and publishes everything else the year allows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from cxlab._errors import NotEnoughDataError
from cxlab._present import _, fmt_month, ngettext
from cxlab._result import Result
from cxlab.review._plan import Projection, projection
from cxlab.review._plan_targets import TargetProposal, propose_targets
from cxlab.review._show import section_html
from cxlab.review._year import ReviewYear, _month_starts, review_year
from cxlab.viz import COLORS


@dataclass(frozen=True)
class NextYear(Result):
    """Next year's projection and proposed targets after a reviewed year.

    ``projection`` and ``proposal`` are ``None`` when the history cannot carry a projection;
    :attr:`reason` then says why. ``saved`` is the proposal's file (see
    :meth:`TargetProposal.save`).
    """

    review: ReviewYear = field(repr=False, compare=False)
    projection: Projection | None = field(repr=False, compare=False)
    proposal: TargetProposal | None = field(repr=False, compare=False)
    saved: Path | None = None

    @property
    def reason(self) -> str | None:
        """Why next year is not projected, in the reader's language (``None``: it is)."""
        return None if self.projection is not None else _short(self.review)

    @property
    def title(self) -> str:
        return _("Next year: projection and proposed targets")

    def summary(self) -> pl.DataFrame:
        """The projection's year values; without a projection, the reason as one row."""
        if self.projection is None:
            return pl.DataFrame({"finding": [self.reason or ""]})
        return self.projection.summary()

    def findings(self) -> list[str]:
        if self.projection is None or self.proposal is None:
            return [self.reason or ""]
        out = self.projection.findings() + self.proposal.findings()
        if self.saved is not None:
            out.append(self.proposal.adopt_note(self.saved))
        return out

    def headline(self) -> list:
        return [] if self.projection is None else self.projection.headline()

    def plot(self) -> go.Figure:
        """The history and the projection of each KPI; without a projection, the months of the
        two years that hold contacts, which is why there is none."""
        if self.projection is not None:
            return self.projection.plot()
        held = set(self.review.previous_covered) | set(self.review.covered)
        months = [*_month_starts(self.review.previous), *self.review.months]
        fig = go.Figure()
        for covered, name in ((True, _("Months with contacts")), (False, _("Months without"))):
            xs = [m for m in months if (m in held) == covered]
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=[1] * len(xs),
                    mode="markers",
                    name=name,
                    marker={
                        "size": 14,
                        "symbol": "square" if covered else "square-open",
                        "color": COLORS["primary"],
                    },
                )
            )
        fig.update_yaxes(visible=False)
        return fig.update_layout(title=_("Months of history with contacts"), height=240)

    def chance_plot(self):
        """The chance of meeting each current target next year (``None`` without one)."""
        return None if self.proposal is None else self.proposal.plot()

    def _repr_html_(self) -> str:
        if self.projection is None or self.proposal is None:
            return section_html(self.title, self.findings())
        parts = [self.projection._repr_html_(), self.proposal._repr_html_()]
        if self.saved is not None:
            parts.append(section_html("", [self.proposal.adopt_note(self.saved)]))
        return "".join(parts)


def next_year(
    year: ReviewYear | str,
    *,
    probability: float = 0.75,
    save_to: str | os.PathLike | None = None,
    save: bool = True,
    workspace: str | os.PathLike | None = None,
) -> NextYear:
    """Project the year after ``year`` and propose its targets, for the year-end report.

    A history too short or gapped for :func:`projection` gives a result that says why, in
    words, and no file.

    Parameters
    ----------
    year
        The reviewed year (:func:`review_year`, or its spec).
    probability
        The chance of attainment the proposed targets are set at.
    save_to
        The folder of the proposal's file (default: the workspace's ``data/exports``).
    save
        Write the proposal's file (:meth:`TargetProposal.save`).
    workspace
        The workspace, when ``year`` is a spec.

    Examples
    --------
    >>> import cxlab as cx
    >>> ahead = cx.review.next_year("latest_12_months", save=False)  # doctest: +SKIP
    """
    review = year if isinstance(year, ReviewYear) else review_year(year, workspace=workspace)
    where = workspace if workspace is not None else review.workspace
    try:
        ahead = projection(review.current, workspace=where)
    except NotEnoughDataError:
        return NextYear(review=review, projection=None, proposal=None)
    proposal = propose_targets(ahead, probability=probability)
    saved = proposal.save(save_to or None) if save else None
    return NextYear(review=review, projection=ahead, proposal=proposal, saved=saved)


def _short(review: ReviewYear) -> str:
    """Why the history up to the reviewed year's end cannot carry a projection, in words."""
    months = sorted(set(review.previous_covered) | set(review.covered))
    if months:
        span = (months[-1].year - months[0].year) * 12 + months[-1].month - months[0].month + 1
        if span > len(months):
            return _(
                "Next year is not projected: the history has months without contacts, and a "
                "projection is never drawn across a gap. It needs twelve whole months in a row, "
                "and twenty-four to measure the season."
            )
    return ngettext(
        "Next year is not projected: the data hold {n} month of history up to {end}, and a "
        "projection needs at least twelve (twenty-four to measure the season).",
        "Next year is not projected: the data hold {n} months of history up to {end}, and a "
        "projection needs at least twelve (twenty-four to measure the season).",
        len(months),
    ).format(n=len(months), end=fmt_month(review.months[-1]))
