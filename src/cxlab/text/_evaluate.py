"""How well a contact-reason classifier does on contacts it never saw (a later month).

Per level: accuracy with a Wilson interval and macro-F1 with a bootstrap interval over contacts,
against the true labels when they are given and against the manual labels; the manual labels'
own accuracy against the truth (what an agent's label is worth). Then the confusions between
categories, the calibration of the probabilities (a reliability table, the expected calibration
error and the Brier score of the predicted category), and the routing curve: for each threshold
on a level's probability, the share of contacts routed automatically and the accuracy of those
routed, with the lowest threshold whose routed accuracy reaches ``target``.

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
*JASA* 22, 209-212. Efron, B. and Tibshirani, R. (1993). *An Introduction to the Bootstrap*.
Naeini, M. P., Cooper, G. and Hauskrecht, M. (2015). Obtaining well calibrated probabilities
using Bayesian binning. *AAAI* (expected calibration error). Brier, G. W. (1950). Verification of
forecasts expressed in terms of probability. *Monthly Weather Review* 78, 1-3.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError, SchemaError
from cxlab._options import check_alpha
from cxlab._present import (
    N_,
    Headline,
    _,
    fmt_interval,
    fmt_value,
    join_sentences,
    register_labels,
)
from cxlab._result import Result
from cxlab._stats import wilson_interval
from cxlab.text._classify import ID, PREPARED, ContactClassifier
from cxlab.text._prepare import prepared

register_labels(
    {
        "level": N_("Level"),
        "label": N_("Reason column"),
        "source": N_("Labelled by"),
        "reference": N_("Checked against"),
    }
)

THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.0, 1.0, 0.02))
BINS = 10
EXAMPLES = 8
LEVEL_WORDS = (N_("level 1"), N_("level 2"), N_("level 3"))


def macro_f1(
    truth: np.ndarray, pred: np.ndarray, k: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """Macro-F1 of coded labels (``0..k-1``) per row of ``weights`` (resample counts; one row of
    ones when not given), over the classes that occur in the truth or the predictions, as
    scikit-learn's ``f1_score(average="macro")`` counts them."""
    if weights is None:
        weights = np.ones((1, len(truth)))
    f1 = np.full((weights.shape[0], k), np.nan)
    for c in range(k):
        tp = weights @ ((truth == c) & (pred == c)).astype(float)
        denominator = weights @ (truth == c).astype(float) + weights @ (pred == c).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            f1[:, c] = np.where(denominator > 0, 2 * tp / denominator, np.nan)
    return np.nanmean(f1, axis=1)


def _score(y, p, alpha: float, rng: np.random.Generator, reps: int) -> list[tuple]:
    """(metric, estimate, ci_low, ci_high) of accuracy and macro-F1 of labels ``p`` against ``y``."""
    names, codes = np.unique(np.concatenate([y, p]), return_inverse=True)
    yc, pc = codes[: len(y)], codes[len(y) :]
    n = len(y)
    hits = int((yc == pc).sum())
    lo, hi = wilson_interval(np.array([hits]), np.array([n]), alpha)
    f1 = float(macro_f1(yc, pc, len(names))[0])
    boot = np.array(
        [macro_f1(yc, pc, len(names), rng.poisson(1.0, n)[None])[0] for _ in range(reps)]
    )
    return [
        ("accuracy", hits / n, float(lo[0]), float(hi[0])),
        (
            "macro_f1",
            f1,
            float(np.quantile(boot, alpha / 2)),
            float(np.quantile(boot, 1 - alpha / 2)),
        ),
    ]


def _reliability(prob: np.ndarray, right: np.ndarray) -> tuple[list[tuple], float, float]:
    """Reliability bins ``(low, high, n, mean probability, accuracy)``, the expected calibration
    error and the Brier score of the predicted category."""
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
    error and the Brier score per level. ``routing``: per level and threshold, the share routed
    and the routed accuracy. ``counts``: contacts evaluated, classified, not classified (empty
    text), cut to the maximum length, and in neither Chinese nor English (``text_language``
    ``unknown``). ``examples``: a few misclassified notes, personal data scrubbed.
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
        """The lowest threshold on level ``level``'s probability whose routed contacts reach the
        target accuracy: ``threshold, share_routed, accuracy`` (``None`` if none does)."""
        rows = self.routing.filter(
            (pl.col("level") == level)
            & (pl.col("accuracy") >= self.target)
            & (pl.col("n_routed") > 0)
        ).sort("threshold")
        return rows.row(0, named=True) if rows.height else None

    def summary(self) -> pl.DataFrame:
        return self.scores

    def details(self) -> dict[str, pl.DataFrame]:
        """Appendix tables: scores, confusions, reliability, calibration, routing, examples."""
        return {
            "scores": self.scores,
            "confusions": self.confusions,
            "reliability": self.reliability,
            "calibration": self.calibration,
            "routing": self.routing,
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
            if manual is not None:
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
        if route is not None and route["share_routed"] >= 1:
            out.append(
                _(
                    "Every contact with a text could be routed automatically at level 1: "
                    "{acc} of them would be right."
                ).format(acc=fmt_value(route["accuracy"], "share"))
            )
        elif route is not None:
            out.append(
                _(
                    "Routing level 1 automatically when its probability is at least {t} sends "
                    "{share} of contacts without a person, {acc} of them right; the rest go to "
                    "an agent."
                ).format(
                    t=fmt_value(route["threshold"], "number", decimals=2),
                    share=fmt_value(route["share_routed"], "share"),
                    acc=fmt_value(route["accuracy"], "share"),
                )
            )
        else:
            out.append(
                _(
                    "No threshold brings the level-1 accuracy of routed contacts to {target}."
                ).format(target=fmt_value(self.target, "share"))
            )
        cal = self.calibration.filter(pl.col("level") == 1)
        if cal.height:
            ece = dict(zip(cal["reference"].to_list(), cal["ece"].to_list(), strict=True))
            first = ece.get(self.reference)
            out.append(
                _(
                    "Level-1 probabilities are off from the observed accuracy by {ece} on average "
                    "(expected calibration error)."
                ).format(ece=fmt_value(first, "share"))
            )
            if self.reference == "truth" and "manual" in ece:
                out.append(
                    _(
                        "Against the manual labels they learnt from, the gap is {ece}: the "
                        "probabilities are calibrated to those labels, errors included."
                    ).format(ece=fmt_value(ece["manual"], "share"))
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
    reps: int = 200,
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
        labels are both scored against the truth; without it the model is scored against the
        manual labels.
    target
        The accuracy the routing threshold must reach (and the level-1 headline target).
    alpha
        Intervals are ``1 - alpha``: Wilson for accuracy, bootstrap over contacts for macro-F1.
    reps
        Bootstrap replicates for macro-F1.
    seed
        Seeds the bootstrap.

    References
    ----------
    Wilson, E. B. (1927). *JASA* 22, 209-212. Naeini, M. P. et al. (2015). *AAAI* (expected
    calibration error). Brier, G. W. (1950). *Monthly Weather Review* 78, 1-3.

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
    rng = np.random.default_rng(seed)
    done = table.filter(pl.col("text_language").is_not_null())
    if done.height == 0:
        raise NotEnoughDataError(f"{classifier.text}: no contact to evaluate has a text.")
    rows, conf_rows, rel_rows, cal_rows, route_rows = [], [], [], [], []
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
            rel, ece, brier = _reliability(kept[f"{col}_probability"].to_numpy(), hit)
            rel_rows += [(level, ref, *r) for r in rel]
            cal_rows.append((level, ref, ece, brier, len(hit)))
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
    scores = pl.DataFrame(
        rows,
        schema=[
            "level",
            "label",
            "source",
            "reference",
            "metric",
            "estimate",
            "ci_low",
            "ci_high",
            "n",
        ],
        orient="row",
    )
    confusions = (
        pl.concat(conf_rows)
        .sort(["level", "n"], descending=[False, True])
        .group_by("level", maintain_order=True)
        .head(8)
        if conf_rows
        else pl.DataFrame()
    )
    reliability = pl.DataFrame(
        rel_rows,
        schema=["level", "reference", "bin_low", "bin_high", "n", "mean_probability", "accuracy"],
        orient="row",
    )
    calibration = pl.DataFrame(
        cal_rows, schema=["level", "reference", "ece", "brier", "n"], orient="row"
    )
    routing = pl.DataFrame(
        route_rows,
        schema={
            "level": pl.Int64,
            "threshold": pl.Float64,
            "share_routed": pl.Float64,
            "accuracy": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "n_routed": pl.Int64,
        },
        orient="row",
    )
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
            .with_columns(pl.col(classifier.text).str.slice(0, 200).alias("text"))  # scrubbed
            .select("actual", "predicted", "text")
        )
    counts = {
        "contacts": account.rows,
        "classified": done.height,
        "empty": account.empty,
        "truncated": account.truncated,
        "unknown_language": account.languages["unknown"],
        "max_chars": account.max_chars,
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
    )
