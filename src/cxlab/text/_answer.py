"""The answer of the contact-reasons report: the headline cards and the findings a head of
service reads first.

:func:`answer` gathers results already computed (the reason shares, the reasons and words on the
rise, the classifier's evaluation, the emotions, the call-back list) into one result; it computes
nothing new, so every number it shows is the number of the section below it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import polars as pl

from cxlab._present import (
    N_,
    Headline,
    _,
    fmt_interval,
    fmt_value,
    join_sentences,
    label,
    ngettext,
    register_labels,
    register_units,
)
from cxlab._result import Result
from cxlab.text._evaluate import AGAINST, LEVEL_WORDS, MEASURE, WHO, ClassifierEvaluation
from cxlab.text._reasons import EmotionTrend, ReasonShares
from cxlab.text._topics import Emerging
from cxlab.text._warning import EarlyWarning

register_labels(
    {
        "confidence_at_least": N_("Confidence at least"),
        "share_routed": N_("Share routed automatically"),
        "routed_accuracy": N_("Accuracy of those routed"),
        "n_routed": N_("Contacts routed"),
        "calibration_error": N_("Expected calibration error"),
        "brier_score": N_("Brier score of the predicted reason"),
    }
)
register_units(
    {
        "share_routed": "share",
        "routed_accuracy": "share",
        "calibration_error": "share",
        "confidence_at_least": "ratio",
        "brier_score": "ratio",
    }
)

APPENDIX_ROWS = 30
"""The longest table the appendix shows whole; a longer one (every word tested) shows its first
rows and a download of the rest."""
ACCURACY_KEY = "classification_accuracy"
"""The key of the level-1 accuracy card; the monthly review's scorecard reads it by this key."""


@dataclass(frozen=True)
class ContactReasonsAnswer(Result):
    """What customers contacted about, what changed, how accurate the automatic classification
    is, how customers feel and who to call back."""

    reasons: ReasonShares
    accuracy: ClassifierEvaluation | None = None
    target: float | None = None
    rising: Emerging | None = None
    words: Emerging | None = None
    feelings: EmotionTrend | None = None
    call_back: EarlyWarning | None = None

    @property
    def title(self) -> str:
        return _("Contact reasons, {period}").format(period=self.reasons.period_obj.text)

    def summary(self) -> pl.DataFrame:
        return self.reasons.summary()

    def accuracy_card(self) -> Headline | None:
        """Level-1 accuracy of the automatic classification against its target."""
        if self.accuracy is None:
            return None
        r = self.accuracy._score_of(1, "model", "accuracy")
        if r is None:
            return None
        target = self.target if self.target is not None else self.accuracy.target
        against = (
            _("against the true reasons")
            if self.accuracy.reference == "truth"
            else _("against the agents' labels")
        )
        return Headline(
            key=ACCURACY_KEY,
            label=N_("Reasons classified correctly (level 1)"),
            value=r["estimate"],
            unit="share",
            target=target,
            direction=">=",
            period=self.reasons.period_obj.iso,
            higher_is_better=True,
            low=r["ci_low"],
            high=r["ci_high"],
            detail=against,
        )

    def headline(self) -> list[Headline]:
        cards = list(self.reasons.headline())
        acc = self.accuracy_card()
        if acc is not None:
            cards.append(acc)
        if self.feelings is not None:
            cards += self.feelings.headline()
        if self.call_back is not None:
            cards += self.call_back.headline()
        return cards

    def findings(self) -> list[str]:
        out = []
        r = self.reasons
        top, second = r.top(1), r.top(2)
        if top is not None:
            text = _("Most contacts in {period} were about {reason} ({share}).").format(
                period=r.period_obj.text,
                reason=label(top["term"]),
                share=fmt_value(top["share_now"], "share"),
            )
            if second is not None:
                text += " " + _(
                    "The largest reason at the second level: {reason} ({share})."
                ).format(
                    reason=label(second["term"]), share=fmt_value(second["share_now"], "share")
                )
            out.append(text)
        out += self._on_the_rise()
        card = self.accuracy_card()
        if card is not None and self.accuracy is not None:
            target = fmt_value(card.target, "share")
            met = card.low is not None and card.low >= card.target
            missed = card.high is not None and card.high < card.target
            words = (
                _(
                    "The automatic classification gets the level-1 reason right for {acc} of "
                    "contacts, {against}: it meets the {target} target."
                )
                if met
                else _(
                    "The automatic classification gets the level-1 reason right for {acc} of "
                    "contacts, {against}: it misses the {target} target."
                )
                if missed
                else _(
                    "The automatic classification gets the level-1 reason right for {acc} of "
                    "contacts, {against}: too close to the {target} target to say."
                )
            )
            text = words.format(
                acc=card.value_text(compact=False), against=card.detail, target=target
            )
            pair = self.accuracy.paired_sentence(1)
            manual = self.accuracy._score_of(1, "manual", "accuracy")
            if pair is not None:
                text = join_sentences(text, pair)
            elif manual is not None:
                text += " " + _("Agents' own labels are right for {acc}.").format(
                    acc=fmt_value(manual["estimate"], "share")
                )
            out.append(text)
            out += self._routing()
        if self.feelings is not None:
            feel = self.feelings.headline()
            if feel and feel[0].value is None:
                out.append(_("No notes to read in this period."))
            elif feel:
                out.append(
                    _(
                        "{share} of the notes read state anger or anxiety in words; a feeling "
                        "left unsaid is not counted, so more customers may be upset."
                    ).format(share=feel[0].value_text(compact=False))
                )
        if self.call_back is not None and self.call_back.funnel.get("with_text", 1) == 0:
            out.append(  # no note was read: nobody can be said to be upset, or not
                _("No notes to read for the call-back list ({window}).").format(
                    window=self.call_back.window
                )
            )
        elif self.call_back is not None:
            n = self.call_back.table.height
            out.append(
                ngettext(
                    "{n} upset customer of high value with an unresolved contact ({window}) is "
                    "listed to be called back.",
                    "{n} upset customers of high value with an unresolved contact ({window}) are "
                    "listed to be called back.",
                    n,
                ).format(n=fmt_value(n, "count"), window=self.call_back.window)
                if n
                else _(
                    "No upset customer of high value with an unresolved contact to call back "
                    "({window})."
                ).format(window=self.call_back.window)
            )
        return out

    def _on_the_rise(self) -> list[str]:
        """What rose beyond chance, one sentence per family of tests, each naming its
        comparison: level-1 and level-2 reasons against the comparison period (each level
        adjusted on its own), level-3 reasons and words against the months before. Each family
        keeps its own false discovery rate; the sentence says which."""
        r = self.reasons
        out = []
        moved = r.moved().filter(pl.col("change") > 0)
        rate = fmt_value(r.alpha, "share")
        if moved.height:
            out.append(
                _(
                    "Reasons whose share rose beyond chance against {compare}: {items} (each "
                    "level of reasons tested on its own, at most {rate} false alarms expected "
                    "among those flagged)."
                ).format(
                    compare=r.compare_obj.text,
                    items=_(", ").join(label(t) for t in moved["term"].head(3).to_list()),
                    rate=rate,
                )
            )
        families = (
            (
                self.rising,
                N_(
                    "Level-3 reasons on the rise against {before}: {items} (at most {rate} "
                    "false alarms expected among those flagged)."
                ),
            ),
            (
                self.words,
                N_(
                    "Words of the notes on the rise against {before}: {items} (at most {rate} "
                    "false alarms expected among those flagged)."
                ),
            ),
        )
        tested = [f for f in (self.rising, self.words) if f is not None and f.table.height]
        families = tuple((f, k) for f, k in families if any(f is t for t in tested))
        for found, key in families:
            if found.risers().height == 0:
                continue
            terms = found.risers()["term"].head(3).to_list()
            items = [label(t) for t in terms] if found.by != "term" else [f"“{t}”" for t in terms]
            out.append(
                _(key).format(
                    before=found.baseline_obj.text,
                    items=_(", ").join(items),
                    rate=fmt_value(found.alpha, "share"),
                )
            )
        if not out:  # a family never tested (no notes, no reasons) is left unsaid
            found = tested
            key = (
                N_("No reason rose beyond chance against {compare} (levels 1 and 2).")
                if not found
                else N_(
                    "Nothing rose beyond chance: no level-1 or level-2 reason against {compare}, "
                    "no level-3 reason and no word of the notes against {before}."
                )
                if len(found) == 2
                else N_(
                    "Nothing rose beyond chance: no level-1 or level-2 reason against {compare}, "
                    "no level-3 reason against {before}."
                )
                if found[0] is self.rising
                else N_(
                    "Nothing rose beyond chance: no level-1 or level-2 reason against {compare}, "
                    "no word of the notes against {before}."
                )
            )
            before = found[0].baseline_obj.text if found else ""
            out.append(_(key).format(compare=r.compare_obj.text, before=before))
        return out

    def _routing(self) -> list[str]:
        """The routing trade-off in words, level by level from level 1: a level at which every
        contact can be routed automatically is said and the next finer level is looked at; the
        first level at which only some contacts can be routed (a threshold and the share it
        routes), or none can reach the target with confidence, is said and ends the list. The
        threshold is :meth:`ClassifierEvaluation.threshold`'s: the lowest at which the routed
        accuracy reaches the target even at the low end of its likely range."""
        acc = self.accuracy
        if acc is None:
            return []
        out = []
        target = fmt_value(acc.target, "share")
        for level in sorted(set(acc.routing["level"].to_list())):
            route = acc.threshold(level)
            words = _(LEVEL_WORDS[min(level, 3) - 1])
            if route is None:
                out.append(
                    _(
                        "At {level}, no confidence threshold routes contacts automatically at "
                        "{target} accuracy or better with confidence; they go to an agent."
                    ).format(level=words, target=target)
                )
                break
            interval = fmt_interval(route["ci_low"], route["ci_high"], "share", change=False)
            if route["share_routed"] >= 1:
                out.append(
                    _(
                        "Every contact could be routed automatically at {level}, {acc} of them "
                        "right (likely {interval})."
                    ).format(
                        level=words, acc=fmt_value(route["accuracy"], "share"), interval=interval
                    )
                )
                continue
            out.append(
                _(
                    "At {level}, at a confidence of at least {t}, {share} of contacts can be "
                    "routed automatically at {acc} accuracy (likely {interval}, at least "
                    "{target} even at the low end); the rest go to an agent."
                ).format(
                    level=words,
                    t=fmt_value(route["threshold"], "number", decimals=2),
                    share=fmt_value(route["share_routed"], "share"),
                    acc=fmt_value(route["accuracy"], "share"),
                    interval=interval,
                    target=target,
                )
            )
            break
        return out

    def appendix(self) -> ReportAppendix:
        """The report's appendix: methods and the full tables behind the sections."""
        return ReportAppendix(self)

    def _repr_html_(self) -> str:
        from cxlab._present import CSS, cards_html, findings_html

        return (
            f"{CSS}<div class='cx-result'><h4>{html.escape(self.title)}</h4>"
            f"{cards_html(self.headline())}{findings_html(self.findings())}</div>"
        )

    def plot(self):
        """The level-2 reasons' shares, this period against the comparison period."""
        return self.reasons.plot()


@dataclass(frozen=True)
class ReportAppendix:
    """Method notes and full tables of a contact-reasons report, in the report's language."""

    answer: ContactReasonsAnswer

    def notes(self) -> list[str]:
        out = [
            _(
                "Reason shares: Wilson intervals; a change is tested with two proportions and "
                "adjusted across the reasons of a level, level 1 and level 2 each on its own "
                "(Benjamini-Hochberg); a customer's contacts count as one cluster (the ratio "
                "estimator's variance with customers as clusters widens each interval and test "
                "by its design effect)."
            )
            if self.answer.reasons.clustered
            else _(
                "Reason shares: Wilson intervals; a change is tested with two proportions and "
                "adjusted across the reasons of a level, level 1 and level 2 each on its own "
                "(Benjamini-Hochberg); contacts count as independent (no customer id)."
            ),
            _(
                "On the rise: level-3 reasons and words of the notes against the months before "
                "(one-sided Fisher tests, Benjamini-Hochberg within each list); each list, and "
                "each level of the reason shares, keeps its own false discovery rate."
            ),
        ]
        acc = self.answer.accuracy
        if acc is not None:
            out.append(
                _(
                    "Classifier: TF-IDF words and character n-grams, a linear model over the "
                    "full reason paths with calibrated probabilities, trained on {n} notes of "
                    "the months before and scored on {m} notes of the period (drawn at random); "
                    "accuracy with Wilson intervals, macro-F1 with bootstrap intervals."
                ).format(
                    n=fmt_value(acc.counts.get("trained", 0), "count"),
                    m=fmt_value(acc.counts.get("contacts", 0), "count"),
                )
            )
            out.append(
                _(
                    "Routing: the lowest confidence at which the accuracy of the contacts routed "
                    "reaches the target even at the low end of its Wilson interval. Classifier "
                    "against the agents' labels on the same contacts: McNemar's exact test on "
                    "the contacts only one of them gets right, Newcombe's interval for the "
                    "paired difference. Macro-F1 intervals from {reps} bootstrap resamples. The "
                    "Brier score is that of the predicted reason (whether it is right), not "
                    "the score over every reason."
                ).format(reps=fmt_value(acc.reps, "count"))
            )
        if self.answer.feelings is not None:
            out.append(
                _(
                    "Emotions: read with the word list from every note of each month. It "
                    "counts only feelings written in the note, so its share is a floor, not the "
                    "share of upset customers."
                )
            )
        return out

    def tables(self) -> list[tuple[str, pl.DataFrame, dict[str, str]]]:
        a = self.answer
        out = [(_("Contact reasons, this period and before"), a.reasons.shown(), {})]
        if a.rising is not None:
            out.append((_("Reasons on the rise: every reason tested"), a.rising.full_table(), {}))
        if a.words is not None:
            out.append((_("Words on the rise: every word tested"), a.words.full_table(), {}))
        acc = a.accuracy
        if acc is not None:
            scores = acc.scores.select(
                pl.col("level").alias("reason_level"),
                pl.col("source")
                .replace_strict(WHO, default=None)
                .map_elements(_, return_dtype=pl.Utf8)
                .alias("scored"),
                pl.col("reference")
                .replace_strict(AGAINST, default=None)
                .map_elements(_, return_dtype=pl.Utf8)
                .alias("scored_against"),
                pl.col("metric")
                .replace_strict(MEASURE, default=None)
                .map_elements(_, return_dtype=pl.Utf8)
                .alias("measure"),
                "estimate",
                pl.col("ci_low").alias("share_low"),
                pl.col("ci_high").alias("share_high"),
                pl.col("n").alias("n_scored"),
            )
            out.append((_("Accuracy of the classification"), scores, {"estimate": "share"}))
            tenth = (pl.col("threshold") * 100).round(0) % 10 == 0  # every 0.1 of confidence
            routing = acc.routing.filter((pl.col("n_routed") > 0) & tenth).select(
                pl.col("level").alias("reason_level"),
                pl.col("threshold").alias("confidence_at_least"),
                "share_routed",
                pl.col("accuracy").alias("routed_accuracy"),
                "n_routed",
            )
            out.append((_("Routing automatically, by confidence"), routing, {}))
            if acc.calibration.height:
                cal = acc.calibration
                cols = [pl.col("level").alias("reason_level")]
                if "reference" in cal.columns:
                    cols.append(
                        pl.col("reference")
                        .replace_strict(AGAINST, default=None)
                        .map_elements(_, return_dtype=pl.Utf8)
                        .alias("scored_against")
                    )
                cols += [
                    pl.col("ece").alias("calibration_error"),
                    pl.col("brier").alias("brier_score"),
                ]
                out.append((_("Calibration of the probabilities"), cal.select(cols), {}))
        if a.feelings is not None:
            out.append((_("Emotions month by month"), a.feelings.shown(), {}))
        return out

    def _repr_html_(self) -> str:
        from cxlab._present import CSS, note_html, table_html

        title = html.escape(_("Methods and full tables"))
        parts = [f"{CSS}<div class='cx-result cx-details'><h4>{title}</h4>"]
        parts += [note_html(n) for n in self.notes()]
        for caption, frame, units in self.tables():
            rows = None if frame.height <= APPENDIX_ROWS else APPENDIX_ROWS  # the rest: a download
            parts.append(table_html(frame, units=units, max_rows=rows, caption=caption))
        parts.append("</div>")
        return "".join(parts)


def answer(
    reasons: ReasonShares,
    *,
    accuracy: ClassifierEvaluation | None = None,
    target: float | None = None,
    rising: Emerging | None = None,
    words: Emerging | None = None,
    feelings: EmotionTrend | None = None,
    call_back: EarlyWarning | None = None,
) -> ContactReasonsAnswer:
    """The answer of a contact-reasons report from results already computed.

    Examples
    --------
    >>> import cxlab as cx
    >>> c = cx.load("contacts")  # doctest: +SKIP
    >>> cx.text.answer(cx.text.reasons(c), accuracy=cx.text.classification(c))  # doctest: +SKIP
    """
    return ContactReasonsAnswer(
        reasons=reasons,
        accuracy=accuracy,
        target=target,
        rising=rising,
        words=words,
        feelings=feelings,
        call_back=call_back,
    )
