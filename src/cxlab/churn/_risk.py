"""The at-risk list: churn probability over the next N days from a model validated on a
time-based holdout, with the monthly value at risk of each customer."""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._exports import exports_dir, write_export
from cxlab._masking import mask_column
from cxlab._options import check_alpha, warn_renamed
from cxlab._present import BODY_ROWS, N_, Headline, _, fmt_date, fmt_value
from cxlab._result import Result
from cxlab.churn._frames import _date, _segment, data_end, data_start, landmark_frame
from cxlab.churn._logit import LogitResult, logistic
from cxlab.churn._missing import (
    AT_RISK,
    IfTooLittle,
    NotEstimated,
    check_if_too_little,
    not_estimated,
)
from cxlab.churn._plots import figure
from cxlab.churn._words import ReaderTable, money_text, term_label
from cxlab.features import CONTACT_COLUMNS

EXPERIENCE = (
    "unresolved_complaint_90d",
    "abandoned_contacts_90d",
    "low_csat_90d",
    "transfers_90d",
    "repeat_contacts_90d",
)
CUSTOMER = ("segment", "contract", "value_tier")
LIST_COLUMNS = (
    "customer_id",
    "segment",
    "value_tier",
    "contract",
    "monthly_value",
    "churn_probability",
    "monthly_value_at_risk",
    "main_driver",
)


def _z(q: float) -> float:
    """The standard normal quantile (scipy imported on use, so importing cxlab.churn stays light)."""
    from scipy.stats import norm

    return float(norm.ppf(q))


def _phi(x: float) -> float:
    """The standard normal distribution function."""
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def auc_hanley_mcneil(
    y: np.ndarray, p: np.ndarray, alpha: float = 0.05
) -> tuple[float, float, float]:
    """Area under the ROC curve (Mann–Whitney, ties count half) with the Hanley–McNeil interval."""
    from scipy.stats import rankdata

    y = y.astype(bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        raise NotEnoughDataError("the holdout has only one outcome class: no AUC.")
    ranks = rankdata(p)
    auc = float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    se = np.sqrt(
        (auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n0 - 1) * (q2 - auc**2)) / (n1 * n0)
    )
    z = _z(1 - alpha / 2)
    return auc, float(max(0.0, auc - z * se)), float(min(1.0, auc + z * se))


def calibration_table(
    y: np.ndarray, p: np.ndarray, bins: int = 10, alpha: float = 0.05
) -> pl.DataFrame:
    """Observed churn rate against the mean prediction in equal-size bins of the prediction,
    with Wilson intervals of the observed rate."""
    order = np.argsort(p, kind="stable")
    z = _z(1 - alpha / 2)
    rows = []
    for k, idx in enumerate(np.array_split(order, bins), start=1):
        n = len(idx)
        obs = float(y[idx].mean())
        centre = (obs + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(obs * (1 - obs) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
        rows.append(
            {
                "bin": k,
                "n": n,
                "predicted": float(p[idx].mean()),
                "observed": obs,
                "observed_ci_low": centre - half,
                "observed_ci_high": centre + half,
            }
        )
    return pl.DataFrame(rows)


def roc_points(y: np.ndarray, p: np.ndarray, points: int = 101) -> tuple[np.ndarray, np.ndarray]:
    """False- and true-positive rates at ``points`` thresholds (for the chart)."""
    y = y.astype(bool)
    cuts = np.quantile(p, np.linspace(1, 0, points))
    tpr = np.array([(p[y] >= c).mean() for c in cuts])
    fpr = np.array([(p[~y] >= c).mean() for c in cuts])
    return np.concatenate([[0.0], fpr, [1.0]]), np.concatenate([[0.0], tpr, [1.0]])


def _no_chart(words: str):
    """A small figure that says why a chart is missing (no axes, no data)."""
    import html

    import plotly.graph_objects as go

    fig = go.Figure(
        go.Scatter(
            x=[0], y=[0], mode="text", text=[html.escape(words)], hoverinfo="skip", showlegend=False
        )
    )
    fig.update_layout(
        height=120, xaxis={"visible": False}, yaxis={"visible": False}, margin={"t": 10, "b": 10}
    )
    return fig


@dataclass(frozen=True)
class AtRiskResult(ReaderTable, Result):
    """Customers ranked by expected monthly value lost, from a churn model validated on a past
    period when the history allows it.

    When the history is too short for the check (the training landmark's experience window
    starts before the data do, see :meth:`history_too_short`), no check is run: ``auc``,
    ``brier`` and the other holdout statistics are ``None`` and the card reads "–" with the
    reason."""

    REPORT_CARDS = False  # its cards are tiles of the report's answer, not repeated in a section

    customers: pl.DataFrame = field(repr=False)
    as_of: dt.date
    horizon: int
    train_as_of: dt.date
    holdout_as_of: dt.date
    auc: float | None
    auc_ci_low: float | None
    auc_ci_high: float | None
    brier: float | None
    brier_reference: float | None
    holdout_n: int | None
    holdout_events: int | None
    holdout_predicted: float | None
    calibration: pl.DataFrame = field(repr=False)
    roc: tuple = field(repr=False)
    model: LogitResult = field(repr=False)
    scoring: pl.DataFrame = field(repr=False, compare=False)
    currency: str = "CNY"
    top: int = 25
    alpha: float = 0.05
    data_start: dt.date | None = None
    holdout_variance: float | None = None
    window: int = 90

    @property
    def title(self) -> str:
        return _("Customers most at risk of leaving in the next {days} days").format(
            days=fmt_value(self.horizon, "count")
        )

    @property
    def horizon_days(self) -> int:
        """The old name of :attr:`horizon` (read with a DeprecationWarning)."""
        from cxlab._options import warn_renamed

        warn_renamed(f"{type(self).__name__}.horizon_days", "horizon")
        return self.horizon

    def summary(self) -> pl.DataFrame:
        """The top of the list, customer ids masked (the full list: :meth:`export`)."""
        return mask_column(self.customers.head(self.top), "customer_id")

    def validation(self) -> pl.DataFrame:
        """The holdout checks as one table: AUC with interval, Brier score and its reference
        (estimates null when the history was too short for the check)."""
        return pl.DataFrame(
            {
                "metric": [
                    "auc",
                    "brier",
                    "brier_base_rate",
                    "predicted_churners",
                    "actual_churners",
                ],
                "estimate": [
                    self.auc,
                    self.brier,
                    self.brier_reference,
                    self.holdout_predicted,
                    None if self.holdout_events is None else float(self.holdout_events),
                ],
                "ci_low": [self.auc_ci_low, None, None, None, None],
                "ci_high": [self.auc_ci_high, None, None, None, None],
            },
            schema={
                "metric": pl.Utf8,
                "estimate": pl.Float64,
                "ci_low": pl.Float64,
                "ci_high": pl.Float64,
            },
        )

    def total_value_at_risk(self) -> float:
        return float(self.customers["monthly_value_at_risk"].sum())

    def expected_churners(self) -> float:
        return float(self.customers["churn_probability"].sum())

    def period(self) -> tuple[str, str]:
        """The days the list predicts: from ``as_of`` for ``horizon`` days (end exclusive)."""
        end = self.as_of + dt.timedelta(days=self.horizon)
        return self.as_of.isoformat(), end.isoformat()

    def top_tenth_share(self) -> float:
        c = self.customers
        return float(
            c.head(max(1, c.height // 10))["monthly_value_at_risk"].sum()
            / max(self.total_value_at_risk(), 1e-9)
        )

    def history_too_short(self) -> bool:
        """Whether the training landmark's experience window starts before the data do: the
        model was then trained on experience that was never recorded, so the check on a past
        period says nothing about the list."""
        return too_short(self.train_as_of, self.data_start, self.window)

    @property
    def checked(self) -> bool:
        """Whether the list was checked on a past period (the history was long enough)."""
        return self.auc is not None

    def calibration_p_value(self) -> float | None:
        """Calibration in the large on the holdout: predicted against observed churners, a
        normal test with the variance of the sum of Bernoulli predictions (Steyerberg ch. 15)."""
        if not self.holdout_variance or not self.checked:
            return None
        z = (self.holdout_events - self.holdout_predicted) / self.holdout_variance**0.5
        return float(2 * (1 - _phi(abs(z))))

    def miscalibrated(self) -> bool:
        """Predicted and observed churners on the holdout differ beyond chance and by more
        than a fifth of the prediction."""
        p = self.calibration_p_value()
        if p is None:
            return False
        off = abs(self.holdout_events - self.holdout_predicted) > 0.2 * max(
            self.holdout_predicted, 1.0
        )
        return p < self.alpha and off

    def validated(self) -> bool:
        """Whether the check on a past period supports using the list to decide whom to call
        first: the training had its full experience window, the ranking beats chance, and the
        predicted number of churners matches the observed one."""
        if self.history_too_short() or not self.checked:
            return False
        return not (self.auc_ci_low <= 0.5 or self.miscalibrated())

    def validation_words(self) -> str:
        """One sentence on what the check on a past period says about the list."""
        if self.history_too_short() or not self.checked:
            return _(
                "The list could not be checked on a past period: that needs the service "
                "experience of the {window} days before {train}, but the data start on {start}. "
                "Its ranking is unchecked; treat it as a rough guide, not a basis for deciding "
                "whom to call first."
            ).format(
                window=fmt_value(self.window, "count"),
                train=fmt_date(self.train_as_of),
                start=fmt_date(self.data_start),
            )
        if self.auc_ci_low <= 0.5:
            return _(
                "On a past period it had not seen, the list did not rank leavers above stayers "
                "more often than chance would: it is not good enough to decide whom to call "
                "first."
            )
        if self.miscalibrated():
            return _(
                "On a past period it had not seen, the model predicted {predicted} leavers "
                "where {observed} left: its probabilities are off, so the list is not yet good "
                "enough to decide whom to call first."
            ).format(
                predicted=fmt_value(self.holdout_predicted, "count"),
                observed=fmt_value(self.holdout_events, "count"),
            )
        return _(
            "The list is better than chance but far from certain: of a customer who left "
            "and one who stayed, it ranked the leaver higher about {n} times in 10 on a "
            "past period it had not seen (chance would be 5 in 10). Use it to decide whom "
            "to call first, not who will certainly leave."
        ).format(n=self.ranking_in_ten())

    def ranking_in_ten(self) -> int | None:
        """The AUC as "out of ten pairs": how often the list ranks a churner above a stayer
        (``None`` when the list was not checked)."""
        return round(10 * self.auc) if self.checked else None

    def unchecked_reason(self) -> str:
        """Why there is no check on a past period, short enough for a card."""
        return _("not checked: the data start on {start}, too late for a past period").format(
            start=fmt_date(self.data_start)
        )

    def headline(self) -> list[Headline]:
        """The monthly revenue at risk over the horizon, and how well the list ranks customers."""
        return [
            Headline(
                key="value_at_risk",
                label=N_("Monthly revenue at risk"),
                value=self.total_value_at_risk(),
                unit="money",
                period=self.period(),
                higher_is_better=False,
                detail=_("about {n} customers expected to leave").format(
                    n=fmt_value(self.expected_churners(), "count")
                ),
            ),
            Headline(
                key="list_ranking",
                label=N_("The list ranks a leaver above a stayer"),
                value=self.auc,
                unit="share",
                low=self.auc_ci_low,
                high=self.auc_ci_high,
                higher_is_better=True,
                detail=N_("50% would be chance") if self.checked else self.unchecked_reason(),
            ),
        ]

    def findings(self) -> list[str]:
        """Plain sentences: how many are expected to leave and the money with them, how
        concentrated it is, and how far the list can be trusted (in words, not statistics)."""
        c = self.customers
        return [
            _(
                "Of {customers} active customers, about {churners} are expected to leave in the "
                "next {days} days, taking {money} of monthly revenue with them."
            ).format(
                customers=fmt_value(c.height, "count"),
                churners=fmt_value(self.expected_churners(), "count"),
                days=fmt_value(self.horizon, "count"),
                money=money_text(self.total_value_at_risk()),
            ),
            _("The top tenth of the list holds {share} of that revenue at risk.").format(
                share=fmt_value(self.top_tenth_share(), "share", decimals=0)
            ),
            self.validation_words(),
        ]

    def details(self) -> list[str]:
        """The holdout check in statistical terms, for the appendix; the AUC reads as on the
        card. Without a check (too short a history) it says why and what the list rests on."""
        pct = round(100 * (1 - self.alpha))
        if not self.checked:
            return [
                _(
                    "No temporal validation: training on features at {train} would need the "
                    "service experience of the {window} days before it, but the data start on "
                    "{start}. The list is scored by a model fitted on features at {holdout} "
                    "with outcomes to {as_of}, and its ranking is unchecked."
                ).format(
                    train=fmt_date(self.train_as_of),
                    window=fmt_value(self.window, "count"),
                    start=fmt_date(self.data_start),
                    holdout=fmt_date(self.holdout_as_of),
                    as_of=fmt_date(self.as_of),
                )
            ]
        return [
            _(
                "Temporal validation: model trained on features at {train}, tested on features "
                "at {holdout} with outcomes to {as_of}; the list is scored by the model refitted "
                "on the newest complete outcomes."
            ).format(
                train=fmt_date(self.train_as_of),
                holdout=fmt_date(self.holdout_as_of),
                as_of=fmt_date(self.as_of),
            ),
            _(
                "Holdout AUC {auc} ({pct}% interval {low} to {high}, Hanley–McNeil); Brier "
                "score {brier} against {reference} for the base rate alone; {predicted} churners "
                "predicted, {observed} observed."
            ).format(
                auc=fmt_value(self.auc, "share"),
                pct=pct,
                low=fmt_value(self.auc_ci_low, "share"),
                high=fmt_value(self.auc_ci_high, "share"),
                brier=fmt_value(self.brier, "ratio", decimals=4),
                reference=fmt_value(self.brier_reference, "ratio", decimals=4),
                predicted=fmt_value(self.holdout_predicted, "count"),
                observed=fmt_value(self.holdout_events, "count"),
            ),
        ]

    def reader_table(self) -> tuple[pl.DataFrame, dict[str, str]]:
        """The top of the list for the report: masked ids, labelled levels, money and shares."""
        top = self.summary().head(min(self.top, BODY_ROWS))
        top = top.with_columns(
            pl.col("main_driver").replace_strict(
                {d: term_label(d) for d in top["main_driver"].unique().to_list()},
                return_dtype=pl.Utf8,
            )
        )
        top = top.rename({"monthly_value": "monthly_revenue"})
        units = {
            "monthly_revenue": "money",
            "churn_probability": "share",
            "monthly_value_at_risk": "money",
        }
        return top, units

    def plot(self):
        """Calibration of the holdout: observed against predicted churn by tenth of the list."""
        import plotly.graph_objects as go

        from cxlab.viz import COLORS

        if not self.checked:
            return _no_chart(_("No chart: the list could not be checked on a past period."))
        cal = self.calibration
        hi = float(max(cal["predicted"].max(), cal["observed_ci_high"].max()))
        fig = figure(
            go.Scatter(
                x=[0, hi],
                y=[0, hi],
                mode="lines",
                line={"dash": "dot", "color": COLORS["muted"]},
                name=_("Perfect agreement"),
            ),
            go.Scatter(
                x=cal["predicted"].to_list(),
                y=cal["observed"].to_list(),
                mode="markers+lines",
                line={"color": COLORS["primary"]},
                name=_("Past period, by tenth of the list"),
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (cal["observed_ci_high"] - cal["observed"]).to_list(),
                    "arrayminus": (cal["observed"] - cal["observed_ci_low"]).to_list(),
                },
            ),
        )
        fig.update_layout(
            title=_("Predicted against observed churn on a past period"),
            xaxis={"title": _("Predicted churn probability"), "tickformat": ".0%"},
            yaxis={"title": _("Observed churn rate"), "tickformat": ".0%"},
        )
        return fig

    def plot_roc(self):
        import plotly.graph_objects as go

        from cxlab.viz import COLORS

        if not self.checked:
            return _no_chart(_("No chart: the list could not be checked on a past period."))
        fpr, tpr = self.roc
        fig = figure(
            go.Scatter(
                x=[0, 1],
                y=[0, 1],
                mode="lines",
                line={"dash": "dot", "color": COLORS["muted"]},
                name=_("Chance"),
            ),
            go.Scatter(
                x=list(fpr),
                y=list(tpr),
                mode="lines",
                line={"color": COLORS["primary"]},
                name=_("The list (AUC {auc})").format(auc=fmt_value(self.auc, "share")),
            ),
        )
        fig.update_layout(
            title=_("ROC curve on the holdout"),
            xaxis={"title": _("Stayers flagged (false-positive rate)"), "tickformat": ".0%"},
            yaxis={"title": _("Leavers found (true-positive rate)"), "tickformat": ".0%"},
        )
        return fig

    def export_note(self, path: str | os.PathLike) -> str:
        """A sentence for the report naming the analyst-side file (never its contents)."""
        return _(
            "The full list of {n} customers, with their real customer ids, is not in this "
            "report: it has been handed to the retention team who call the customers (file in "
            "the exports folder)."
        ).format(n=fmt_value(self.customers.height, "count"))

    def export_file_note(self, path: str | os.PathLike) -> str:
        """The name of the analyst-side file, for the appendix."""
        return _("The full at-risk list is the file {file} in the exports folder.").format(
            file=Path(path).name
        )

    def save(self, directory: str | os.PathLike | None = None) -> Path:
        """Export to ``<directory>/at-risk-<as_of>-<horizon>d.csv`` (default: the workspace's
        ``data/exports``, outside the published reports); returns the path."""
        return self.export(exports_dir(directory) / f"at-risk-{self.as_of}-{self.horizon}d.csv")

    def export(self, path: str | os.PathLike) -> Path:
        """Write the full list with unmasked customer ids (for the analyst, never the report)."""
        return write_export(self.customers, path)


def too_short(train_as_of: dt.date, start: dt.date | None, window: int) -> bool:
    """Whether the experience window before the training landmark starts before the data."""
    return start is not None and train_as_of - dt.timedelta(days=window) < start


def _main_driver(model: LogitResult, frame: pl.DataFrame, drivers: Sequence[str]) -> list[str]:
    terms = [t for t in model.terms if t in drivers]
    if not terms:
        return ["–"] * frame.height
    beta = dict(zip(model.terms, model.params, strict=True))
    contrib = np.column_stack([beta[t] * frame[t].cast(pl.Float64).to_numpy() for t in terms])
    best = contrib.argmax(axis=1)
    return [terms[b] if contrib[i, b] > 0 else "–" for i, b in enumerate(best)]


def at_risk(
    contacts: pl.LazyFrame | pl.DataFrame,
    customers: pl.LazyFrame | pl.DataFrame,
    surveys: pl.LazyFrame | pl.DataFrame | None = None,
    *,
    as_of: dt.date | str,
    horizon: int = 90,
    horizon_days: int | None = None,
    segment: str | None = None,
    experience: Sequence[str] = EXPERIENCE,
    attributes: Sequence[str] = CUSTOMER,
    reference: Mapping[str, str] | None = None,
    currency: str | None = None,
    top: int = 25,
    alpha: float = 0.05,
    if_too_little: IfTooLittle = "raise",
) -> AtRiskResult | NotEstimated:
    """Score every active customer's churn probability over the next ``horizon`` days.

    The model is a logistic regression of churn within the horizon on the service experience of
    the 90 days before a landmark and the customer's attributes. It is validated on a time-based
    holdout: trained with features at ``as_of - 2 * horizon`` (outcomes known by
    ``as_of - horizon``), then tested on features at ``as_of - horizon`` with outcomes up to
    ``as_of``, which the training never saw. The list is scored by the same model refitted on the
    holdout landmark (the newest complete outcomes) and features at ``as_of``.

    Parameters
    ----------
    as_of
        The date the list is made (features use only contacts before it; at most the data end;
        ``"latest"`` means the data end).
    horizon
        The churn window to predict, in days.
    horizon_days
        The old name of ``horizon``: when given (not ``None``) it is used, with a
        ``DeprecationWarning`` (a notebook passes both while runs may still set the old name).
    segment
        Restrict to one segment (its term is then dropped).
    experience, attributes
        The model's covariates (defaults: :data:`EXPERIENCE` and :data:`CUSTOMER`).
    reference
        Reference levels of text covariates (default: monthly contract, individual segment,
        bronze tier, so odds ratios read the same whichever segment is shown).
    if_too_little
        ``"raise"`` (a :class:`~cxlab.NotEnoughDataError` when too few customers left to fit the
        model, or the fit does not converge) or ``"say"``: return a
        :class:`~cxlab.churn.NotEstimated` whose findings say so in words.

    Returns
    -------
    AtRiskResult
        Or :class:`~cxlab.churn.NotEstimated` with ``if_too_little="say"``.
        ``summary()`` is the top of the list with masked ids; ``export(path)`` writes the full list
        with real ids for the analyst; ``validation()``, ``plot()`` (calibration), ``plot_roc()``.

    References
    ----------
    Steyerberg (2019), Clinical Prediction Models, 2nd ed., ch. 15 (temporal validation, Brier,
    calibration); Hanley & McNeil (1982), Radiology 143 (AUC interval); Wilson (1927) interval.
    """
    if horizon_days is not None:
        warn_renamed("at_risk(horizon_days=...)", "horizon=")
        horizon = horizon_days
    given = {
        k: v
        for k, v in locals().items()
        if k not in ("contacts", "customers", "surveys", "if_too_little", "horizon_days")
    }
    check_alpha(alpha)
    if check_if_too_little(if_too_little) == "say":
        try:
            return at_risk(contacts, customers, surveys, **given)
        except NotEnoughDataError as err:
            return not_estimated(AT_RISK, err)
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon <= 0:
        raise OptionError(
            f"horizon={horizon!r} is not allowed; give a positive whole number of days, "
            "e.g. horizon=90."
        )

    k = contacts.lazy().select(CONTACT_COLUMNS).collect()  # read once, used at three landmarks
    customers = customers.lazy().collect()
    surveys = surveys.lazy().collect() if surveys is not None else None
    end = data_end(k)
    segment = _segment(segment)
    a = end if as_of == "latest" else _date(as_of)
    if a > end:
        raise OptionError(f"as_of={a} is after the data end ({end}): nothing is known there yet.")
    h = dt.timedelta(days=horizon)
    holdout_at, train_at = a - h, a - 2 * h
    reference = {
        "contract": "monthly",
        "segment": "individual",
        "value_tier": "bronze",
        **(reference or {}),
    }
    covariates = [*experience, *attributes]
    if segment is not None:
        covariates = [c for c in covariates if c != "segment"]
    kw = {"segment": segment, "windows": (WINDOW,)}
    start = data_start(k)
    holdout = landmark_frame(k, customers, surveys, as_of=holdout_at, end=a, horizon=horizon, **kw)
    check = None
    if not too_short(train_at, start, WINDOW):  # else the training window would be (partly) empty
        check = _temporal_check(
            landmark_frame(k, customers, surveys, as_of=train_at, end=a, horizon=horizon, **kw),
            holdout,
            covariates=covariates,
            reference=reference,
            alpha=alpha,
        )
    final = logistic(
        holdout, outcome="churned_within", covariates=covariates, reference=reference, alpha=alpha
    )
    scoring = landmark_frame(
        k, customers, surveys, as_of=a, end=max(end, a + dt.timedelta(days=1)), **kw
    )
    prob = final.predict(scoring)
    listed = (
        scoring.with_columns(
            pl.Series("churn_probability", prob),
            pl.Series("main_driver", _main_driver(final, scoring, experience)),
        )
        .with_columns(
            (pl.col("churn_probability") * pl.col("monthly_value")).alias("monthly_value_at_risk")
        )
        .select(LIST_COLUMNS)
        .sort("monthly_value_at_risk", descending=True)
    )
    if currency is None:
        from cxlab._config import settings

        currency = settings().currency
    return AtRiskResult(
        customers=listed,
        as_of=a,
        horizon=horizon,
        train_as_of=train_at,
        holdout_as_of=holdout_at,
        **(check or _NO_CHECK),
        data_start=start,
        window=WINDOW,
        model=final,
        scoring=scoring,
        currency=currency,
        top=top,
        alpha=alpha,
    )


WINDOW = 90  # days of service experience before a landmark
_NO_CHECK = dict(
    auc=None,
    auc_ci_low=None,
    auc_ci_high=None,
    brier=None,
    brier_reference=None,
    holdout_n=None,
    holdout_events=None,
    holdout_predicted=None,
    calibration=pl.DataFrame(
        schema={
            "bin": pl.Int64,
            "n": pl.Int64,
            "predicted": pl.Float64,
            "observed": pl.Float64,
            "observed_ci_low": pl.Float64,
            "observed_ci_high": pl.Float64,
        }
    ),
    roc=(),
    holdout_variance=None,
)


def _temporal_check(
    train: pl.DataFrame,
    holdout: pl.DataFrame,
    *,
    covariates: Sequence[str],
    reference: Mapping[str, str],
    alpha: float,
) -> dict:
    """Train on the older landmark, test on the holdout it never saw: AUC, Brier, calibration."""
    model = logistic(
        train, outcome="churned_within", covariates=covariates, reference=reference, alpha=alpha
    )
    y = holdout["churned_within"].to_numpy().astype(float)
    p = model.predict(holdout)
    auc, lo, hi = auc_hanley_mcneil(y, p, alpha)
    return dict(
        auc=auc,
        auc_ci_low=lo,
        auc_ci_high=hi,
        brier=float(np.mean((p - y) ** 2)),
        brier_reference=float(np.mean((train["churned_within"].mean() - y) ** 2)),
        holdout_n=len(y),
        holdout_events=int(y.sum()),
        holdout_predicted=float(p.sum()),
        calibration=calibration_table(y, p, alpha=alpha),
        roc=roc_points(y, p),
        holdout_variance=float(np.sum(p * (1 - p))),
    )
