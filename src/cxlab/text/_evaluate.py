"""How well a contact-reason classifier does on contacts it never saw (a later month).

Per level: accuracy with a Wilson interval and macro-F1 with a bootstrap interval over contacts,
against the true labels when they are given and against the manual labels; the manual labels'
own accuracy against the truth (what an agent's label is worth), and the model against the
manual labels on the same contacts as a pair (exact McNemar test on the contacts where only one
of the two is right; Newcombe's interval for the difference of paired proportions). Then the
confusions between categories, the calibration of the probabilities (a reliability table, the
expected calibration error and the top-label Brier score: Brier's score of the event "the
predicted category is right" against its probability, not the multi-category score over every
category), and the routing curve: for each threshold on a level's probability, the share of
contacts routed automatically and the accuracy of those routed with its Wilson interval. The
routing threshold is the lowest at which the *lower* end of that interval reaches ``target``,
so a threshold is not picked for an accuracy the month reached by chance (the curve and the
choice use the same contacts; the bound, not the point estimate, guards against that).

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
*JASA* 22, 209-212. Efron, B. and Tibshirani, R. (1993). *An Introduction to the Bootstrap*.
Naeini, M. P., Cooper, G. and Hauskrecht, M. (2015). Obtaining well calibrated probabilities
using Bayesian binning. *AAAI* (expected calibration error). Brier, G. W. (1950). Verification of
forecasts expressed in terms of probability. *Monthly Weather Review* 78, 1-3. McNemar, Q. (1947).
Note on the sampling error of the difference between correlated proportions or percentages.
*Psychometrika* 12, 153-157. Newcombe, R. G. (1998). Improved confidence intervals for the
difference between binomial proportions based on paired data. *Statistics in Medicine* 17,
2635-2650. Fagerland, M. W., Lydersen, S. and Laake, P. (2017). *Statistical Analysis of
Contingency Tables*, ch. 8.
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError, SchemaError
from cxlab._options import check_alpha
from cxlab._present import (
    N_,
    Headline,
    _,
    fmt_change,
    fmt_interval,
    fmt_list,
    fmt_value,
    join_sentences,
    label,
    ngettext,
    register_labels,
    register_units,
)
from cxlab._result import Result
from cxlab._stats import wilson_interval
from cxlab.text._classify import ID, PREPARED, ContactClassifier, named_by_path, unlearnt
from cxlab.text._prepare import prepared

register_labels(
    {
        "level": N_("Level"),
        "label": N_("Reason column"),
        "source": N_("Labelled by"),
        "reference": N_("Checked against"),
        "scored": N_("Scored"),
        "scored_against": N_("Against"),
        "measure": N_("Measure"),
        "n_scored": N_("Contacts scored"),
        "right_share": N_("Share right"),
    }
)
register_units({"right_share": "share"})
WHO = {"model": N_("The classifier"), "manual": N_("Agents' labels")}
AGAINST = {"truth": N_("True reasons"), "manual": N_("Agents' labels")}
MEASURE = {"accuracy": N_("Accuracy"), "macro_f1": N_("Macro-F1 over reasons")}

THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.0, 1.0, 0.02))
BINS = 10
EXAMPLES = 8
EXAMPLE_CHARS = 200
REPS = 1000

_L = {"level": pl.Int64}
_CI = {"estimate": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64}
SCHEMAS: dict[str, dict] = {
    "scores": {
        **_L,
        "label": pl.Utf8,
        "source": pl.Utf8,
        "reference": pl.Utf8,
        "metric": pl.Utf8,
        **_CI,
        "n": pl.Int64,
    },
    "confusions": {
        "actual": pl.Utf8,
        "predicted": pl.Utf8,
        "n": pl.UInt32,
        "share_of_actual": pl.Float64,
        **_L,
    },
    "reliability": {
        **_L,
        "reference": pl.Utf8,
        "bin_low": pl.Float64,
        "bin_high": pl.Float64,
        "n": pl.Int64,
        "mean_probability": pl.Float64,
        "accuracy": pl.Float64,
    },
    "calibration": {
        **_L,
        "reference": pl.Utf8,
        "ece": pl.Float64,
        "brier": pl.Float64,
        "n": pl.Int64,
        "mean_probability": pl.Float64,
        "accuracy": pl.Float64,
    },
    "routing": {
        **_L,
        "threshold": pl.Float64,
        "share_routed": pl.Float64,
        "accuracy": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "n_routed": pl.Int64,
    },
    "paired": {
        **_L,
        "label": pl.Utf8,
        "reference": pl.Utf8,
        "n": pl.Int64,
        "model_accuracy": pl.Float64,
        "manual_accuracy": pl.Float64,
        "model_only": pl.Int64,
        "manual_only": pl.Int64,
        **_CI,
        "p_value": pl.Float64,
    },
}
"""The columns and types of each table of a :class:`ClassifierEvaluation`."""
"""Bootstrap replicates for the macro-F1 intervals (percentile intervals need about 1,000)."""
CALIBRATED = 0.03
"""An expected calibration error up to this reads as "close to the observed accuracy"; a
perfectly calibrated model shows about 1 point on 2,000 contacts in 10 bins by chance alone."""
GAP_SAID = 0.05
"""Levels below the first are spoken of only when their expected calibration error is above
this (the first level always is)."""
LEVEL_WORDS = (N_("level 1"), N_("level 2"), N_("level 3"))


def macro_f1(
    truth: np.ndarray, pred: np.ndarray, k: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """Macro-F1 of coded labels (``0..k-1``) per row of ``weights`` (resample counts; one row of
    ones when not given), over the classes that occur in the truth or the predictions, as
    scikit-learn's ``f1_score(average="macro")`` counts them."""
    if weights is None:
        weights = np.ones((1, len(truth)))
    weights = np.asarray(weights, float)
    classes = np.arange(k)
    actual = (truth[:, None] == classes).astype(float)  # one column per class
    named = (pred[:, None] == classes).astype(float)
    tp = weights @ (actual * named)
    denominator = weights @ actual + weights @ named
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(denominator > 0, 2 * tp / denominator, np.nan)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a resample without any contact
        return np.nanmean(f1, axis=1)


def _score(y, p, alpha: float, rng: np.random.Generator, reps: int) -> list[tuple]:
    """(metric, estimate, ci_low, ci_high) of accuracy and macro-F1 of labels ``p`` against ``y``."""
    names, codes = np.unique(np.concatenate([y, p]), return_inverse=True)
    yc, pc = codes[: len(y)], codes[len(y) :]
    n = len(y)
    hits = int((yc == pc).sum())
    lo, hi = wilson_interval(np.array([hits]), np.array([n]), alpha)
    f1 = float(macro_f1(yc, pc, len(names))[0])
    chunk = max(1, 2_000_000 // max(n, 1))  # about 16 MB of resample counts at a time
    boot = np.concatenate(
        [
            macro_f1(yc, pc, len(names), rng.poisson(1.0, (min(chunk, reps - k), n)))
            for k in range(0, reps, chunk)
        ]
    )
    return [
        ("accuracy", hits / n, float(lo[0]), float(hi[0])),
        (
            "macro_f1",
            f1,
            float(np.nanquantile(boot, alpha / 2)),
            float(np.nanquantile(boot, 1 - alpha / 2)),
        ),
    ]


def _paired(model_right: np.ndarray, manual_right: np.ndarray, alpha: float) -> tuple:
    """The model against the manual labels on the same contacts: ``(n, model accuracy, manual
    accuracy, model right only, manual right only, difference, ci_low, ci_high, p_value)``.

    The p-value is McNemar's exact test (two-sided binomial test of the contacts where only one
    of the two is right, half each under no difference); the interval is Newcombe's
    square-and-add interval for paired proportions (Wilson limits of each accuracy, combined with
    their correlation ``phi``, continuity-corrected as Newcombe 1998 and Fagerland et al. 2017).
    """
    from scipy.stats import binomtest

    a = int((model_right & manual_right).sum())
    b = int((model_right & ~manual_right).sum())
    c = int((~model_right & manual_right).sum())
    d = int((~model_right & ~manual_right).sum())
    n = a + b + c + d
    p1, p2 = (a + b) / n, (a + c) / n
    (l1, l2), (u1, u2) = wilson_interval(np.array([a + b, a + c]), n, alpha)
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    if margins == 0 or 0 <= cross <= n / 2:
        phi = 0.0
    else:
        phi = (cross - n / 2 if cross > n / 2 else cross) / np.sqrt(float(margins))
    low = (
        p1 - p2 - np.sqrt(max((p1 - l1) ** 2 + (u2 - p2) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2), 0))
    )
    high = (
        p1 - p2 + np.sqrt(max((p2 - l2) ** 2 + (u1 - p1) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1), 0))
    )
    p = binomtest(b, b + c, 0.5).pvalue if b + c else float("nan")  # no contact to tell them apart
    return n, p1, p2, b, c, p1 - p2, float(low), float(high), float(p)


def _reliability(prob: np.ndarray, right: np.ndarray) -> tuple[list[tuple], float, float]:
    """Reliability bins ``(low, high, n, mean probability, accuracy)``, the expected calibration
    error and the top-label Brier score (the mean squared gap between the predicted category's
    probability and whether it is right; Brier's score of that one binary event)."""
    edges = np.linspace(0, 1, BINS + 1)
    which = np.clip(np.digitize(prob, edges[1:-1]), 0, BINS - 1)
    rows, ece = [], 0.0
    for b in range(BINS):
        inside = which == b
        if inside.any():
            mean_p, acc = float(prob[inside].mean()), float(right[inside].mean())
            ece += float(inside.mean()) * abs(mean_p - acc)
            rows.append((float(edges[b]), float(edges[b + 1]), int(inside.sum()), mean_p, acc))
    return rows, ece, float(np.mean((prob - right) ** 2))


@dataclass(frozen=True)
class ClassifierEvaluation(Result):
    """A classifier's accuracy on later contacts, against the manual labels' own.

    ``scores``: per level, source (``model`` or ``manual``), reference (``truth`` or ``manual``)
    and metric (``accuracy``, ``macro_f1``): the estimate, its interval and the contacts scored.
    ``confusions``: the most frequent errors (actual, predicted). ``reliability``: predicted
    probability against observed accuracy in bins. ``calibration``: the expected calibration
    error, the top-label Brier score, the mean probability and the accuracy per level.
    ``routing``: per level and threshold, the share routed and the routed accuracy with its
    Wilson interval. ``paired``: per level, the model against the manual labels on the same
    contacts scored against the truth (``model_only``/``manual_only``: contacts only one of the
    two gets right; ``estimate`` the difference of accuracies with Newcombe's paired interval;
    ``p_value`` McNemar's exact test). ``counts``: contacts evaluated, not classified (empty
    text), cut to the maximum length, in neither Chinese nor English (``text_language`` ``unknown``), and whose
    reason the model never learnt (``unlearnt`` names those reasons). ``examples``: a few
    misclassified notes, personal data scrubbed. A category of level 2 or 3 is its path (a name
    under two parents is two categories, shown with its parent).
    """

    labels: tuple[str, ...]
    scores: pl.DataFrame
    confusions: pl.DataFrame
    reliability: pl.DataFrame
    calibration: pl.DataFrame
    routing: pl.DataFrame
    counts: dict[str, int]
    reference: str
    target: float
    alpha: float
    examples: pl.DataFrame = field(default_factory=pl.DataFrame)
    paired: pl.DataFrame = field(default_factory=pl.DataFrame)
    reps: int = REPS
    unlearnt: tuple[str, ...] = ()  # reasons of the scored contacts the model never learnt

    @classmethod
    def empty(
        cls,
        labels: tuple[str, ...],
        counts: dict[str, int],
        *,
        reference: str,
        target: float,
        alpha: float,
    ) -> ClassifierEvaluation:
        """An evaluation of nothing classified (no note in the period, or none labelled before
        it to learn from): every table empty, ``counts`` saying why."""
        tables = {name: pl.DataFrame(schema=schema) for name, schema in SCHEMAS.items()}
        return cls(
            labels=labels,
            counts=counts,
            reference=reference,
            target=float(target),
            alpha=alpha,
            **tables,
        )

    @property
    def title(self) -> str:
        return _("Contact reasons classified automatically")

    def _score_of(self, level: int, source: str, metric: str) -> dict | None:
        rows = self.scores.filter(
            (pl.col("level") == level)
            & (pl.col("source") == source)
            & (pl.col("reference") == self.reference)
            & (pl.col("metric") == metric)
        )
        return rows.row(0, named=True) if rows.height else None

    def threshold(self, level: int = 1) -> dict | None:
        """The lowest threshold on level ``level``'s probability at which the routed contacts'
        accuracy reaches the target even at the low end of its Wilson interval (``ci_low >=
        target``): ``threshold, share_routed, accuracy, ci_low, ci_high, n_routed`` (``None`` if
        no threshold does).

        Choosing on the point accuracy would pick, among 50 thresholds, one where this month's
        contacts happened to do well (the winner's curse); the lower bound asks for the accuracy
        to be at least the target with ``1 - alpha / 2`` confidence at the threshold chosen."""
        rows = self.routing.filter(
            (pl.col("level") == level)
            & (pl.col("ci_low") >= self.target)
            & (pl.col("n_routed") > 0)
        ).sort("threshold")
        return rows.row(0, named=True) if rows.height else None

    def paired_of(self, level: int) -> dict | None:
        """The model against the manual labels at ``level`` (a row of ``paired``), or ``None``."""
        if self.paired.height == 0:
            return None
        rows = self.paired.filter(pl.col("level") == level)
        return rows.row(0, named=True) if rows.height else None

    def paired_sentence(self, level: int) -> str | None:
        """The model against the manual labels at ``level`` in words: which is right more often,
        both accuracies, the difference and its likely range; ``None`` without the pair."""
        r = self.paired_of(level)
        if r is None:
            return None
        values = {
            "level": _(LEVEL_WORDS[min(level, 3) - 1]),
            "model": fmt_value(r["model_accuracy"], "share"),
            "manual": fmt_value(r["manual_accuracy"], "share"),
            "diff": fmt_change(r["estimate"], "share"),
            "interval": fmt_interval(r["ci_low"], r["ci_high"], "share"),
        }
        p = r["p_value"]
        if p is None or not np.isfinite(p):
            return _(
                "At {level}, the classifier and the manual labels are right on exactly the same "
                "contacts ({model})."
            ).format(**values)
        # one is called right more often only when the exact test and the interval agree
        clear = p < self.alpha and (r["ci_low"] > 0 or r["ci_high"] < 0)
        if clear and r["estimate"] > 0:
            key = N_(
                "The classifier is right more often than the manual labels at {level}: {model} "
                "against {manual} on the same contacts, a difference of {diff} (likely "
                "{interval})."
            )
        elif clear:
            key = N_(
                "The manual labels are right more often than the classifier at {level}: {manual} "
                "against {model} on the same contacts, a difference of {diff} for the classifier "
                "(likely {interval})."
            )
        else:
            key = N_(
                "At {level}, the classifier and the manual labels are right about as often: "
                "{model} against {manual} on the same contacts, a difference of {diff} (likely "
                "{interval}), within chance."
            )
        return _(key).format(**values)

    def summary(self) -> pl.DataFrame:
        return self.scores

    def shown(self) -> pl.DataFrame:
        """The accuracy a reader reads: per level, the classifier's and the agents' labels'
        share right against the reference, with its likely range and the contacts scored. Macro-F1
        and the other reference are in :meth:`details` (the report's appendix)."""
        rows = self.scores.filter(
            (pl.col("metric") == "accuracy") & (pl.col("reference") == self.reference)
        )
        return rows.select(
            pl.col("level").alias("reason_level"),
            pl.col("source")
            .replace_strict(WHO, default=None)
            .map_elements(_, return_dtype=pl.Utf8)
            .alias("scored"),
            pl.col("estimate").alias("right_share"),
            pl.col("ci_low").alias("share_low"),
            pl.col("ci_high").alias("share_high"),
            pl.col("n").alias("n_scored"),
        )

    def _repr_html_(self) -> str:
        from cxlab._present import CSS, cards_html, findings_html, table_html

        units = {"right_share": "share", "share_low": "share", "share_high": "share"}
        return (
            f"{CSS}<div class='cx-result'><h4>{html.escape(self.title)}</h4>"
            f"{cards_html(self.headline())}{findings_html(self.findings())}"
            f"{table_html(self.shown(), units=units, max_rows=None)}</div>"
        )

    def details(self) -> dict[str, pl.DataFrame]:
        """Appendix tables: scores, confusions, reliability, calibration, routing, the model
        against the manual labels as a pair, examples."""
        return {
            "scores": self.scores,
            "confusions": self.confusions,
            "reliability": self.reliability,
            "calibration": self.calibration,
            "routing": self.routing,
            "paired": self.paired,
            "examples": self.examples,
        }

    def headline(self) -> list[Headline]:
        r = self._score_of(1, "model", "accuracy")
        if r is None:
            return []
        return [
            Headline(
                key="text_accuracy_l1",
                label=N_("Level-1 reasons classified correctly"),
                value=r["estimate"],
                unit="share",
                target=self.target,
                direction=">=",
                low=r["ci_low"],
                high=r["ci_high"],
                higher_is_better=True,
            )
        ]

    def findings(self) -> list[str]:
        out = []
        c = self.counts
        if c.get("classified", 1) == 0:  # nothing to learn from, or nothing to classify
            return [
                _("No note in the months before the period to learn from: nothing was classified.")
                if c.get("trained", 1) == 0
                else _("No contact in the period: nothing was classified.")
                if c.get("contacts", 0) == 0
                else _(
                    "None of the {n} contacts of the period has a note: nothing was classified."
                ).format(n=fmt_value(c["contacts"], "count"))
            ]
        against = _("the true labels") if self.reference == "truth" else _("the manual labels")
        for level in range(1, len(self.labels) + 1):
            acc = self._score_of(level, "model", "accuracy")
            f1 = self._score_of(level, "model", "macro_f1")
            if acc is None or f1 is None:
                continue
            text = _(
                "At {level}, the classifier is right for {acc} of {n} contacts against {against} "
                "(likely {interval}); macro-F1 {f1}."
            ).format(
                level=_(LEVEL_WORDS[min(level, 3) - 1]),
                acc=fmt_value(acc["estimate"], "share"),
                n=fmt_value(acc["n"], "count"),
                against=against,
                interval=fmt_interval(acc["ci_low"], acc["ci_high"], "share", change=False),
                f1=fmt_value(f1["estimate"], "number", decimals=2),
            )
            manual = self._score_of(level, "manual", "accuracy")
            pair = self.paired_sentence(level)
            if pair is not None:
                text = join_sentences(text, pair)
            elif manual is not None:
                text = join_sentences(
                    text,
                    _("The manual labels are right for {acc} (likely {interval}).").format(
                        acc=fmt_value(manual["estimate"], "share"),
                        interval=fmt_interval(
                            manual["ci_low"], manual["ci_high"], "share", change=False
                        ),
                    ),
                )
            out.append(text)
        first = self._score_of(1, "model", "accuracy")
        if first is not None:
            met = first["ci_low"] >= self.target
            missed = first["ci_high"] < self.target
            key = (
                N_("Level 1 meets the {target} target, even at the low end of its likely range.")
                if met
                else N_(
                    "Level 1 misses the {target} target, even at the high end of its likely range."
                )
                if missed
                else N_(
                    "Whether level 1 meets the {target} target is not yet clear from these contacts."
                )
            )
            out.append(_(key).format(target=fmt_value(self.target, "share")))
        route = self.threshold(1)
        target = fmt_value(self.target, "share")
        if route is not None:
            values = {
                "t": fmt_value(route["threshold"], "number", decimals=2),
                "share": fmt_value(route["share_routed"], "share"),
                "acc": fmt_value(route["accuracy"], "share"),
                "interval": fmt_interval(route["ci_low"], route["ci_high"], "share", change=False),
                "target": target,
            }
            key = (
                N_(
                    "Every contact with a text could be routed automatically at level 1: {acc} "
                    "of them would be right (likely {interval})."
                )
                if route["share_routed"] >= 1
                else N_(
                    "Routing level 1 automatically when its probability is at least {t} sends "
                    "{share} of contacts without a person, {acc} of them right (likely "
                    "{interval}); the rest go to an agent. {t} is the lowest threshold at which "
                    "even the low end of that range reaches {target}."
                )
            )
            out.append(_(key).format(**values))
        else:
            out.append(
                _(
                    "No threshold brings the level-1 accuracy of routed contacts to {target} "
                    "with confidence (the low end of its likely range)."
                ).format(target=target)
            )
        out += self._calibration_words(1)
        for level in sorted(set(self.calibration["level"].to_list()) - {1}):
            out += self._calibration_words(level, only_above=GAP_SAID)
        if c.get("unlearnt", 0):
            out.append(
                ngettext(
                    "{n} contact carries a reason the model never learnt: {reasons}.",
                    "{n} contacts carry a reason the model never learnt: {reasons}.",
                    c["unlearnt"],
                ).format(
                    n=fmt_value(c["unlearnt"], "count"),
                    reasons=fmt_list([label(r) for r in self.unlearnt[:5]]),
                )
            )
        if c.get("unlabelled", 0):
            out.append(
                ngettext(
                    "{n} contact of the training months had no reason and was left out.",
                    "{n} contacts of the training months had no reason and were left out.",
                    c["unlabelled"],
                ).format(n=fmt_value(c["unlabelled"], "count"))
            )
        if c.get("empty", 0):
            out.append(
                _("Contacts with no text, not classified: {n}.").format(
                    n=fmt_value(c["empty"], "count")
                )
            )
        if c.get("truncated", 0):
            out.append(
                _("Very long texts read up to their first {k} characters: {n}.").format(
                    n=fmt_value(c["truncated"], "count"), k=fmt_value(c["max_chars"], "count")
                )
            )
        if c.get("unknown_language", 0):
            out.append(
                _(
                    "Texts in neither Chinese nor English, classified from their characters "
                    "alone: {n}."
                ).format(n=fmt_value(c["unknown_language"], "count"))
            )
        return out

    def _calibration_words(self, level: int, only_above: float | None = None) -> list[str]:
        """How far level ``level``'s probabilities are from the observed accuracy, in words: the
        probabilities are called close to the accuracy only when the gap is small (nothing
        when the gap is at most ``only_above``)."""
        cal = self.calibration.filter(pl.col("level") == level)
        if cal.height == 0:
            return []
        rows = {r["reference"]: r for r in cal.iter_rows(named=True)}
        first = rows.get(self.reference)
        if first is None or (only_above is not None and not first["ece"] > only_above):
            return []
        gap = fmt_value(first["ece"], "share")
        lvl = _(LEVEL_WORDS[min(level, 3) - 1])
        if first["ece"] <= CALIBRATED:
            out = [
                _(
                    "At {level}, the probabilities are close to the observed accuracy: off by "
                    "{ece} on average (expected calibration error)."
                ).format(level=lvl, ece=gap)
            ]
        else:
            modest = first.get("mean_probability") is not None and (
                first["mean_probability"] < first["accuracy"]
            )
            key = (
                N_(
                    "At {level}, the probabilities are off from the observed accuracy by {ece} "
                    "on average (expected calibration error): they are too modest, the "
                    "classifier is right more often than they say. Read them as a ranking of "
                    "confidence, not as chances."
                )
                if modest
                else N_(
                    "At {level}, the probabilities are off from the observed accuracy by {ece} "
                    "on average (expected calibration error): they are too confident, the "
                    "classifier is right less often than they say. Read them as a ranking of "
                    "confidence, not as chances."
                )
            )
            out = [_(key).format(level=lvl, ece=gap)]
        manual = rows.get("manual")
        if self.reference == "truth" and manual is not None:
            out.append(
                _(
                    "The probabilities are tuned to the agents' labels it learnt from: against "
                    "those, the gap is {ece}."
                ).format(ece=fmt_value(manual["ece"], "share"))
            )
        return out

    def plot(self):
        import plotly.graph_objects as go

        import cxlab.viz  # noqa: F401  (registers the house style)

        fig = go.Figure()
        for level in sorted(set(self.routing["level"].to_list())):
            r = self.routing.filter((pl.col("level") == level) & (pl.col("n_routed") > 0))
            fig.add_trace(
                go.Scatter(
                    x=r["share_routed"].to_list(),
                    y=r["accuracy"].to_list(),
                    mode="lines+markers",
                    name=html.escape(_(LEVEL_WORDS[min(level, 3) - 1])),
                    customdata=r["threshold"].to_list(),
                    hovertemplate="%{customdata:.2f}: %{x:.1%} → %{y:.1%}<extra></extra>",
                )
            )
        fig.add_hline(y=self.target, line_dash="dot")
        fig.update_layout(
            title=html.escape(_("Accuracy of the contacts routed automatically")),
            xaxis_title=html.escape(_("Share of contacts routed automatically")),
            yaxis_title=html.escape(_("Accuracy of those routed")),
            xaxis_tickformat=".0%",
            yaxis_tickformat=".0%",
        )
        return fig


def evaluate(
    classifier: ContactClassifier,
    contacts: pl.DataFrame | pl.LazyFrame,
    *,
    truth: pl.DataFrame | pl.LazyFrame | None = None,
    target: float = 0.90,
    alpha: float = 0.05,
    reps: int = REPS,
    seed: int = 0,
) -> ClassifierEvaluation:
    """Evaluate ``classifier`` on ``contacts`` it was not trained on (a later month).

    Parameters
    ----------
    classifier
        From :func:`cxlab.text.train_classifier`.
    contacts
        The evaluation contacts: the text column and, when present, the manual labels.
    truth
        Optional true labels (``contact_id`` and the label columns, e.g.
        ``cx.data.true_labels(workspace)`` or an audited sample). With it the model and the manual
        labels are both scored against the truth, and against each other as a pair on the same
        contacts (McNemar's exact test, Newcombe's paired interval); without it the model is
        scored against the manual labels.
    target
        The accuracy the routing threshold must reach at the low end of its Wilson interval (and
        the level-1 headline target).
    alpha
        Intervals are ``1 - alpha``: Wilson for accuracy, a percentile bootstrap over contacts
        for macro-F1, Newcombe's paired interval for the model against the manual labels.
    reps
        Bootstrap replicates for macro-F1 (1,000 by default; fewer only to try things).
    seed
        Seeds the bootstrap.

    References
    ----------
    Wilson, E. B. (1927). *JASA* 22, 209-212. Naeini, M. P. et al. (2015). *AAAI* (expected
    calibration error). Brier, G. W. (1950). *Monthly Weather Review* 78, 1-3 (here of the
    predicted category only). McNemar, Q. (1947). *Psychometrika* 12, 153-157. Newcombe, R. G.
    (1998). *Statistics in Medicine* 17, 2635-2650. Efron and Tibshirani (1993).

    Examples
    --------
    >>> import polars as pl
    >>> import cxlab as cx
    >>> train = pl.DataFrame({
    ...     "note": ["refund not received", "parcel is late", "退款还没到", "快递太慢了"] * 10,
    ...     "category": ["Billing", "Orders", "Billing", "Orders"] * 10})
    >>> model = cx.text.train_classifier(train, labels=("category",), calibration=0.3)
    >>> later = pl.DataFrame({"note": ["my refund", "late parcel", "退款", ""],
    ...                       "category": ["Billing", "Orders", "Billing", "Orders"]})
    >>> result = cx.text.evaluate(model, later, reps=20)
    >>> result.counts["classified"], result.counts["empty"]
    (3, 1)
    """
    alpha = check_alpha(alpha)
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        raise OptionError(f"reps={reps!r}: give a whole number of bootstrap replicates, e.g. 1000.")
    if not isinstance(target, int | float) or not 0 < target < 1:
        raise OptionError(f"target={target!r} is not an accuracy between 0 and 1, e.g. 0.90.")
    labels = classifier.labels
    if isinstance(contacts, pl.LazyFrame):  # read only the columns used
        names = contacts.collect_schema().names()
        wanted = [ID, classifier.text, *labels, *PREPARED]
        contacts = contacts.select([c for c in wanted if c in names]).collect()
    if classifier.text not in contacts.columns:
        raise SchemaError(
            f"the contacts have no column {classifier.text!r}; "
            f"columns present: {', '.join(contacts.columns[:12])}."
        )
    frame, account = prepared(contacts, text=classifier.text, max_chars=classifier.max_chars)
    pred = classifier.predict(frame)
    have_manual = all(c in frame.columns for c in labels)
    table = pred
    if have_manual:
        table = table.with_columns([frame[c].cast(pl.Utf8).alias(f"{c}_manual") for c in labels])
    if truth is not None:
        truth = truth.collect() if isinstance(truth, pl.LazyFrame) else truth
        missing = [c for c in (ID, *labels) if c not in truth.columns]
        missing += [] if ID in table.columns else [f"{ID} (in contacts)"]
        if missing:
            raise SchemaError(f"truth: no column {', '.join(map(repr, missing))} to join on.")
        table = table.join(
            truth.select(ID, *[pl.col(c).cast(pl.Utf8).alias(f"{c}_true") for c in labels]),
            on=ID,
            how="left",
        )
    if truth is None and not have_manual:
        raise SchemaError(
            f"contacts: no label columns ({', '.join(labels)}) and no truth= to score against."
        )
    reference = "truth" if truth is not None else "manual"
    # reasons the model never saw in training; then a level's category is its path (level 2
    # compares level 1 and 2), named as a reader knows it
    n_new, new = unlearnt(
        classifier,
        table.filter(pl.col("text_language").is_not_null()),
        "true" if truth is not None else "manual",
    )
    table = named_by_path(table, labels, ("predicted", "manual", "true"))
    rng = np.random.default_rng(seed)
    done = table.filter(pl.col("text_language").is_not_null())
    if done.height == 0:
        raise NotEnoughDataError(f"{classifier.text}: no contact to evaluate has a text.")
    rows, conf_rows, rel_rows, cal_rows, route_rows, pair_rows = [], [], [], [], [], []
    for level, col in enumerate(labels, start=1):
        refs = [("truth", f"{col}_true")] if truth is not None else []
        refs += [("manual", f"{col}_manual")] if have_manual else []
        for ref, ref_col in refs:
            sources = [("model", f"{col}_predicted")]
            if ref == "truth" and have_manual:
                sources.append(("manual", f"{col}_manual"))
            for source, src_col in sources:
                scored = done.filter(pl.col(ref_col).is_not_null() & pl.col(src_col).is_not_null())
                if scored.height == 0:
                    continue
                y, p = scored[ref_col].to_numpy(), scored[src_col].to_numpy()
                for metric, est, lo, hi in _score(y, p, alpha, rng, reps):
                    rows.append((level, col, source, ref, metric, est, lo, hi, scored.height))
            if ref == "truth" and have_manual:  # the two on the same contacts, as a pair
                both = done.filter(
                    pl.col(ref_col).is_not_null()
                    & pl.col(f"{col}_predicted").is_not_null()
                    & pl.col(f"{col}_manual").is_not_null()
                )
                if both.height:
                    y = both[ref_col]
                    pair_rows.append(
                        (
                            level,
                            col,
                            ref,
                            *_paired(
                                (both[f"{col}_predicted"] == y).to_numpy(),
                                (both[f"{col}_manual"] == y).to_numpy(),
                                alpha,
                            ),
                        )
                    )
        ref_col = f"{col}_true" if truth is not None else f"{col}_manual"
        scored = done.filter(pl.col(ref_col).is_not_null())
        right = (scored[ref_col] == scored[f"{col}_predicted"]).to_numpy()
        prob = scored[f"{col}_probability"].to_numpy()
        if level <= 2:
            conf_rows.append(
                scored.group_by(
                    pl.col(ref_col).alias("actual"), pl.col(f"{col}_predicted").alias("predicted")
                )
                .len("n")
                .with_columns(
                    (pl.col("n") / pl.col("n").sum().over("actual")).alias("share_of_actual"),
                    pl.lit(level).alias("level"),
                )
                .filter(pl.col("actual") != pl.col("predicted"))
            )
        cal_refs = [("truth", f"{col}_true")] if truth is not None else []
        cal_refs += [("manual", f"{col}_manual")] if have_manual else []
        for ref, cal_col in cal_refs:
            kept = done.filter(pl.col(cal_col).is_not_null())
            hit = (kept[cal_col] == kept[f"{col}_predicted"]).to_numpy()
            kept_prob = kept[f"{col}_probability"].to_numpy()
            rel, ece, brier = _reliability(kept_prob, hit)
            rel_rows += [(level, ref, *r) for r in rel]
            cal_rows.append(
                (level, ref, ece, brier, len(hit), float(kept_prob.mean()), float(hit.mean()))
            )
        for t in THRESHOLDS:
            routed = prob >= t
            k = int(right[routed].sum())
            m = int(routed.sum())
            lo, hi = wilson_interval(np.array([k]), np.array([m]), alpha)
            route_rows.append(
                (
                    level,
                    t,
                    m / len(right),
                    k / m if m else None,
                    float(lo[0]) if m else None,
                    float(hi[0]) if m else None,
                    m,
                )
            )
    scores = pl.DataFrame(rows, schema=SCHEMAS["scores"], orient="row")
    confusions = (
        pl.concat(conf_rows)
        .sort(["level", "n"], descending=[False, True])
        .group_by("level", maintain_order=True)
        .head(8)
        .select(pl.col(c).cast(t) for c, t in SCHEMAS["confusions"].items())
        if conf_rows
        else pl.DataFrame(schema=SCHEMAS["confusions"])
    )
    reliability = pl.DataFrame(rel_rows, schema=SCHEMAS["reliability"], orient="row")
    calibration = pl.DataFrame(cal_rows, schema=SCHEMAS["calibration"], orient="row")
    paired = pl.DataFrame(pair_rows, schema=SCHEMAS["paired"], orient="row")
    routing = pl.DataFrame(route_rows, schema=SCHEMAS["routing"], orient="row")
    ref_l1 = f"{labels[0]}_true" if truth is not None else f"{labels[0]}_manual"
    wrong = done.filter(pl.col(ref_l1) != pl.col(f"{labels[0]}_predicted")).head(EXAMPLES)
    notes = frame.select(ID, classifier.text) if ID in frame.columns else None
    examples = pl.DataFrame()
    if notes is not None and wrong.height:
        examples = (
            wrong.select(
                ID,
                pl.col(ref_l1).alias("actual"),
                pl.col(f"{labels[0]}_predicted").alias("predicted"),
            )
            .join(notes, on=ID, how="left")
            .with_columns(  # the text was scrubbed whole before it is cut: a cut never splits an id
                pl.col(classifier.text).str.slice(0, EXAMPLE_CHARS).alias("text")
            )
            .select("actual", "predicted", "text")
        )
    counts = {
        "contacts": account.rows,
        "classified": done.height,
        "empty": account.empty,
        "truncated": account.truncated,
        "unknown_language": account.languages["unknown"],
        "max_chars": account.max_chars,
        **({"unlearnt": n_new} if n_new else {}),
    }
    return ClassifierEvaluation(
        labels=labels,
        scores=scores,
        confusions=confusions,
        reliability=reliability,
        calibration=calibration,
        routing=routing,
        counts=counts,
        reference=reference,
        target=float(target),
        alpha=alpha,
        examples=examples,
        paired=paired,
        reps=int(reps),
        unlearnt=tuple(new),
    )
