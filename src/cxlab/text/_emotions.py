"""Emotions per contact and how well a reader of emotions does on a later period.

:func:`emotions` reads the emotion of every contact's text (a trained model, or the word list) and
shows the share of each emotion with a Wilson interval. :func:`evaluate_emotion` compares a
trained model with the word-list baseline on labelled contacts the model did not see: accuracy
(Wilson interval), macro-F1 (the emotions weighted alike; percentile bootstrap over contacts) and
the paired difference between the two readers (the same bootstrap resamples for both).

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. *JASA*
22. Efron, B. and Tibshirani, R. (1993). *An Introduction to the Bootstrap*, ch. 13 (percentile
intervals). Sokolova, M. and Lapalme, G. (2009). A systematic analysis of performance measures for
classification tasks. *Information Processing & Management* 45 (macro-averaged F1).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, SchemaError
from cxlab._options import check_alpha
from cxlab._present import (
    N_,
    Headline,
    _,
    fmt_change,
    fmt_interval,
    fmt_value,
    label,
    register_labels,
    scrub_frame,
)
from cxlab._result import Result
from cxlab._stats import wilson_interval
from cxlab.text._evaluate import macro_f1
from cxlab.text._prepare import MAX_CHARS, TextAccount, prepare_text
from cxlab.text._sentiment import EMOTIONS, NEGATIVE, EmotionModel, emotion_lexicon

register_labels(
    {
        "angry": N_("Angry"),
        "anxious": N_("Anxious"),
        "neutral": N_("Neutral"),
        "satisfied": N_("Satisfied"),
        "predicted_emotion": N_("Emotion read"),
        "emotion_probability": N_("Probability of that emotion"),
        "p_negative": N_("Probability of angry or anxious"),
        "macro_f1": N_("Macro-F1"),
        "trained": N_("Trained model"),
        "lexicon": N_("Word list"),
        "difference": N_("Trained model minus word list"),
        "text_language": N_("Language of the text"),
        "text_truncated": N_("Text cut short"),
    }
)


def _per_class(truth: list[str], pred: list[str], classes: list[str]) -> dict[str, list[float]]:
    t, p = np.asarray(truth), np.asarray(pred)
    out: dict[str, list[float]] = {"support": [], "precision": [], "recall": [], "f1": []}
    for c in classes:
        tp = float(((t == c) & (p == c)).sum())
        support, said = float((t == c).sum()), float((p == c).sum())
        precision = tp / said if said else float("nan")
        recall = tp / support if support else float("nan")
        f1 = 2 * tp / (support + said) if support + said else float("nan")
        out["support"].append(support)
        out["precision"].append(precision)
        out["recall"].append(recall)
        out["f1"].append(f1)
    return out


@dataclass(frozen=True)
class EmotionEvaluation(Result):
    """A trained emotion model against the word list on labelled contacts it did not see."""

    table: pl.DataFrame  # term, model, estimate, std_error, ci_low, ci_high, p_value, n
    classes: pl.DataFrame  # emotion, model, support, precision, recall, f1
    n: int
    alpha: float
    negative_recall: dict[str, float] = field(default_factory=dict)
    account: TextAccount | None = field(default=None, repr=False)

    @property
    def title(self) -> str:
        return _("How well emotions are read")

    def summary(self) -> pl.DataFrame:
        return self.table

    def details(self) -> pl.DataFrame:
        """Precision, recall and F1 of each emotion, for both readers."""
        return self.classes

    def _row(self, term: str, model: str) -> dict:
        return self.table.filter((pl.col("term") == term) & (pl.col("model") == model)).row(
            0, named=True
        )

    def headline(self) -> list[Headline]:
        row = self._row("accuracy", "trained")
        return [
            Headline(
                key="emotion_accuracy",
                label=N_("Emotions read right"),
                value=row["estimate"],
                unit="share",
            )
        ]

    def findings(self) -> list[str]:
        out = []
        for term, words in (
            (
                "accuracy",
                _(
                    "On {n} contacts the models had not seen, the trained model reads the emotion "
                    "right for {value} (likely {interval}); the word list for {base} "
                    "({base_interval})."
                ),
            ),
            (
                "macro_f1",
                _(
                    "Weighting each emotion alike (macro-F1), the trained model scores {value} "
                    "({interval}) and the word list {base} ({base_interval})."
                ),
            ),
        ):
            a, b = self._row(term, "trained"), self._row(term, "lexicon")
            out.append(
                words.format(
                    n=fmt_value(self.n, "count"),
                    value=fmt_value(a["estimate"], "share"),
                    interval=fmt_interval(a["ci_low"], a["ci_high"], "share", change=False),
                    base=fmt_value(b["estimate"], "share"),
                    base_interval=fmt_interval(b["ci_low"], b["ci_high"], "share", change=False),
                )
            )
        d = self._row("accuracy", "difference")
        if d["ci_low"] > 0:
            out.append(
                _("The trained model is better than the word list by {diff} ({interval}).").format(
                    diff=fmt_change(d["estimate"], "share"),
                    interval=fmt_interval(d["ci_low"], d["ci_high"], "share"),
                )
            )
        elif d["ci_high"] < 0:
            out.append(
                _("The word list is better than the trained model by {diff} ({interval}).").format(
                    diff=fmt_change(-d["estimate"], "share"),
                    interval=fmt_interval(-d["ci_high"], -d["ci_low"], "share"),
                )
            )
        else:
            out.append(
                _(
                    "The two readers cannot be told apart on these contacts (difference "
                    "{interval})."
                ).format(interval=fmt_interval(d["ci_low"], d["ci_high"], "share"))
            )
        if self.negative_recall:
            out.append(
                _(
                    "Of the contacts that were truly angry or anxious, the trained model finds "
                    "{model} and the word list {base}."
                ).format(
                    model=fmt_value(self.negative_recall.get("trained"), "share"),
                    base=fmt_value(self.negative_recall.get("lexicon"), "share"),
                )
            )
        if self.account is not None:
            out.extend(self.account.sentences())
        return out

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.viz import COLORS

        fig = go.Figure()
        for model, colour in (("trained", COLORS["primary"]), ("lexicon", COLORS["muted"])):
            part = self.classes.filter(pl.col("model") == model)
            fig.add_trace(
                go.Bar(
                    x=[html.escape(label(e)) for e in part["emotion"]],
                    y=part["f1"].to_list(),
                    name=html.escape(label(model)),
                    marker_color=colour,
                    hovertemplate="%{x}: %{y:.0%}<extra></extra>",
                )
            )
        fig.update_layout(
            title=html.escape(_("F1 of each emotion, trained model and word list")),
            yaxis_title=_("F1"),
            yaxis_tickformat=".0%",
            barmode="group",
        )
        return fig


def evaluate_emotion(
    model: EmotionModel,
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    label: str = "emotion",
    baseline: EmotionModel | None = None,
    alpha: float = 0.05,
    resamples: int = 1000,
    seed: int = 0,
) -> EmotionEvaluation:
    """Accuracy and macro-F1 of ``model`` and of ``baseline`` (the word list by default) on the
    labelled texts of ``frame`` (a period after the training window), with ``1 - alpha``
    intervals and the paired difference.

    Raises
    ------
    SchemaError
        ``label`` is not a column of ``frame``.
    NotEnoughDataError
        Fewer than 20 labelled texts.

    Examples
    --------
    >>> import cxlab as cx  # doctest: +SKIP
    >>> model = cx.text.train_emotion(before)  # doctest: +SKIP
    >>> cx.text.evaluate_emotion(model, after).summary()  # doctest: +SKIP

    References
    ----------
    Wilson (1927); Efron and Tibshirani (1993), ch. 13; Sokolova and Lapalme (2009).
    """
    check_alpha(alpha)
    data = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    if label not in data.columns:
        raise SchemaError(
            f"label={label!r} is not a column of the table; its columns are "
            f"{', '.join(data.columns[:12])}."
        )
    data, account = prepare_text(data, text=model.text, max_chars=model.max_chars)
    data = data.filter(pl.col(model.text).is_not_null() & pl.col(label).is_not_null())
    if data.height < 20:
        raise NotEnoughDataError(
            f"evaluate_emotion: {data.height} labelled texts; at least 20 are needed."
        )
    baseline = (
        emotion_lexicon(text=model.text, max_chars=model.max_chars)
        if baseline is None
        else baseline
    )
    truth = data[label].cast(pl.Utf8).to_list()
    preds = {
        "trained": model.predict(data)["predicted_emotion"].to_list(),
        "lexicon": baseline.predict(data)["predicted_emotion"].to_list(),
    }
    classes = sorted(set(truth) | set(preds["trained"]) | set(preds["lexicon"]))
    index = {c: i for i, c in enumerate(classes)}
    t = np.array([index[c] for c in truth])
    n = len(t)
    k = len(classes)
    # resampling contacts is resampling the cells (truth, trained, word list) they fall in: the
    # bootstrap draws k**3 cell counts, whatever the number of contacts
    p_of = {name: np.array([index[c] for c in p_list]) for name, p_list in preds.items()}
    cell = t * k * k + p_of["trained"] * k + p_of["lexicon"]
    observed = np.bincount(cell, minlength=k**3).astype(float)
    grid = np.arange(k**3)
    cell_of = {"truth": grid // (k * k), "trained": (grid // k) % k, "lexicon": grid % k}
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(n, observed / n, size=resamples).astype(float)
    rows, boot = [], {}
    for name in preds:
        p = p_of[name]
        right = (t == p).astype(float)
        acc = float(right.mean())
        lo, hi = wilson_interval(right.sum(), n, alpha)
        boot[("accuracy", name)] = weights @ (cell_of["truth"] == cell_of[name]) / n
        rows.append(
            ("accuracy", name, acc, float(boot[("accuracy", name)].std()), float(lo), float(hi))
        )
        f1 = float(macro_f1(t, p, len(classes), np.ones((1, n)))[0])
        boot[("macro_f1", name)] = macro_f1(cell_of["truth"], cell_of[name], k, weights)
        q = np.nanquantile(boot[("macro_f1", name)], [alpha / 2, 1 - alpha / 2])
        rows.append(
            (
                "macro_f1",
                name,
                f1,
                float(np.nanstd(boot[("macro_f1", name)])),
                float(q[0]),
                float(q[1]),
            )
        )
    table_rows = [
        dict(zip(("term", "model", "estimate", "std_error", "ci_low", "ci_high"), r, strict=True))
        | {"p_value": None, "n": n}
        for r in rows
    ]
    for term in ("accuracy", "macro_f1"):
        est = {r["model"]: r["estimate"] for r in table_rows if r["term"] == term}
        diff = boot[(term, "trained")] - boot[(term, "lexicon")]
        q = np.nanquantile(diff, [alpha / 2, 1 - alpha / 2])
        # two-sided bootstrap p-value, never below 2 / (resamples + 1)
        tail = min(int((diff <= 0).sum()), int((diff >= 0).sum())) + 1
        p_value = float(min(1.0, 2 * tail / (len(diff) + 1)))
        table_rows.append(
            {
                "term": term,
                "model": "difference",
                "estimate": est["trained"] - est["lexicon"],
                "std_error": float(np.nanstd(diff)),
                "ci_low": float(q[0]),
                "ci_high": float(q[1]),
                "p_value": p_value,
                "n": n,
            }
        )
    table = pl.DataFrame(
        table_rows,
        schema={
            "term": pl.Utf8,
            "model": pl.Utf8,
            "estimate": pl.Float64,
            "std_error": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "p_value": pl.Float64,
            "n": pl.Int64,
        },
    )
    per_class = []
    for name, p_list in preds.items():
        stats = _per_class(truth, p_list, classes)
        per_class.append(
            pl.DataFrame({"emotion": classes, "model": [name] * len(classes), **stats})
        )
    negatives = [c for c in classes if c in NEGATIVE]
    recall = {}
    if negatives:
        truly = np.isin(np.asarray(truth), negatives)
        if truly.any():
            for name, p_list in preds.items():
                said = np.isin(np.asarray(p_list), negatives)
                recall[name] = float(said[truly].mean())
    return EmotionEvaluation(
        table=table,
        classes=pl.concat(per_class),
        n=n,
        alpha=alpha,
        negative_recall=recall,
        account=account,
    )


@dataclass(frozen=True)
class Emotions(Result):
    """The emotion read from each contact's text; ``summary()`` gives the share of each emotion."""

    table: pl.DataFrame = field(repr=False)  # one row per contact
    shares: pl.DataFrame
    reader: str
    alpha: float
    account: TextAccount | None = field(default=None, repr=False)

    @property
    def title(self) -> str:
        return _("Emotions in contact notes")

    def summary(self) -> pl.DataFrame:
        return self.shares

    def contacts(self) -> pl.DataFrame:
        """One row per contact with the emotion read, its text scrubbed of personal data."""
        return scrub_frame(self.table)

    def details(self) -> pl.DataFrame:
        """The emotion of each contact (see :meth:`contacts`)."""
        return self.contacts()

    def headline(self) -> list[Headline]:
        negative = self.shares.filter(pl.col("term").is_in(list(NEGATIVE)))
        total = int(self.shares["count"].sum())
        return [
            Headline(
                key="negative_share",
                label=N_("Notes that state anger or anxiety"),
                value=float(negative["count"].sum()) / total if total else None,
                unit="share",
            )
        ]

    def findings(self) -> list[str]:
        total = int(self.shares["count"].sum())
        if total == 0:
            return [_("No contact has a text to read an emotion from.")]
        top = self.shares.sort("count", descending=True).row(0, named=True)
        negative = int(self.shares.filter(pl.col("term").is_in(list(NEGATIVE)))["count"].sum())
        who = _("a trained model") if self.reader == "trained" else _("the word list")
        out = [
            _(
                "Read by {reader}, {share} of {n} contacts with a note were angry or anxious."
            ).format(
                reader=who,
                share=fmt_value(negative / total, "share"),
                n=fmt_value(total, "count"),
            ),
            _("The most common emotion was {emotion}: {share} (likely {interval}).").format(
                emotion=label(top["term"]).lower(),
                share=fmt_value(top["estimate"], "share"),
                interval=fmt_interval(top["ci_low"], top["ci_high"], "share", change=False),
            ),
        ]
        if self.account is not None:
            out.extend(self.account.sentences())
        return out

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.viz import COLORS

        colour = {"angry": COLORS["bad"], "anxious": COLORS["accent"], "satisfied": COLORS["good"]}
        s = self.shares
        fig = go.Figure(
            go.Bar(
                x=[html.escape(label(e)) for e in s["term"]],
                y=s["estimate"].to_list(),
                marker_color=[colour.get(e, COLORS["muted"]) for e in s["term"]],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (s["ci_high"] - s["estimate"]).to_list(),
                    "arrayminus": (s["estimate"] - s["ci_low"]).to_list(),
                },
                hovertemplate="%{x}: %{y:.1%}<extra></extra>",
            )
        )
        fig.update_layout(
            title=html.escape(self.title),
            yaxis_title=_("Share of contacts"),
            yaxis_tickformat=".0%",
            showlegend=False,
        )
        return fig


def emotions(
    contacts: pl.DataFrame | pl.LazyFrame,
    *,
    model: EmotionModel | None = None,
    text: str = "note",
    max_chars: int = MAX_CHARS,
    alpha: float = 0.05,
) -> Emotions:
    """The emotion of every contact's text, read by ``model`` (the word list when None), and the
    share of each emotion with a ``1 - alpha`` Wilson interval.

    Examples
    --------
    >>> import polars as pl
    >>> notes = pl.DataFrame({"contact_id": ["a", "b"], "note": ["气死了", "谢谢，很满意"]})
    >>> emotions(notes).summary()["count"].to_list()
    [1, 0, 0, 1]

    References
    ----------
    Mohammad and Turney (2013); Wilson (1927).
    """
    check_alpha(alpha)
    reader = model if model is not None else emotion_lexicon(text=text, max_chars=max_chars)
    data, account = prepare_text(contacts, text=text, max_chars=max_chars)
    read = reader.predict(data, text=text)
    keep = [
        c
        for c in (
            "contact_id",
            "customer_id",
            "arrived_at",
            text,
            "text_language",
            "predicted_emotion",
            "emotion_probability",
            "p_negative",
        )
        if c in read.columns
    ]
    table = read.select(keep)
    classes = [c for c in EMOTIONS if c in reader.classes] or list(reader.classes)
    counts = table["predicted_emotion"].drop_nulls().value_counts()
    have = dict(zip(counts["predicted_emotion"].to_list(), counts["count"].to_list(), strict=True))
    total = int(sum(have.values()))
    x = np.array([have.get(c, 0) for c in classes], float)
    lo, hi = wilson_interval(x, total, alpha)
    shares = pl.DataFrame(
        {
            "term": classes,
            "count": x.astype(int).tolist(),
            "estimate": (x / total if total else x * np.nan).tolist(),
            "ci_low": lo.tolist(),
            "ci_high": hi.tolist(),
        },
        schema={
            "term": pl.Utf8,
            "count": pl.Int64,
            "estimate": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
        },
    )
    return Emotions(table=table, shares=shares, reader=reader.kind, alpha=alpha, account=account)
