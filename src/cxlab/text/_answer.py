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
    fmt_value,
    label,
)
from cxlab._result import Result
from cxlab.text._evaluate import LEVEL_WORDS, ClassifierEvaluation
from cxlab.text._reasons import EmotionTrend, ReasonShares
from cxlab.text._topics import Emerging
from cxlab.text._warning import EarlyWarning

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
        changed = []
        if self.rising is not None:
            changed += [label(t) for t in self.rising.risers()["term"].head(3).to_list()]
        if self.words is not None:
            changed += [f"“{t}”" for t in self.words.risers()["term"].head(3).to_list()]
        moved = r.moved().filter(pl.col("change") > 0)
        changed += [label(t) for t in moved["term"].head(2).to_list() if label(t) not in changed]
        if changed:
            out.append(
                _("On the rise against the months before: {items}.").format(
                    items=_(", ").join(changed)
                )
            )
        else:
            out.append(
                _(
                    "No reason and no word of the notes rose beyond chance against the months before."
                )
            )
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
            manual = self.accuracy._score_of(1, "manual", "accuracy")
            if manual is not None:
                text += " " + _("Agents' own labels are right for {acc}.").format(
                    acc=fmt_value(manual["estimate"], "share")
                )
            out.append(text)
            out += self._routing()
        if self.feelings is not None:
            feel = self.feelings.headline()
            if feel:
                out.append(
                    _("{share} of the notes read are angry or anxious.").format(
                        share=feel[0].value_text(compact=False)
                    )
                )
        if self.call_back is not None:
            n = self.call_back.table.height
            out.append(
                _(
                    "{n} upset customers of high value with an unresolved contact are listed to "
                    "be called back today."
                ).format(n=fmt_value(n, "count"))
                if n
                else _("No upset customer of high value with an unresolved contact to call back.")
            )
        return out

    def _routing(self) -> list[str]:
        """The routing trade-off in a sentence: at level 1, and at the full reason (level 3)
        when every contact could already be routed at level 1."""
        acc = self.accuracy
        if acc is None:
            return []
        out = []
        for level in sorted(set(acc.routing["level"].to_list())):
            route = acc.threshold(level)
            if route is None:
                continue
            if route["share_routed"] >= 1:
                out.append(
                    _(
                        "Every contact could be routed automatically at {level}, {acc} of them "
                        "right."
                    ).format(
                        level=_(LEVEL_WORDS[min(level, 3) - 1]),
                        acc=fmt_value(route["accuracy"], "share"),
                    )
                )
                continue
            out.append(
                _(
                    "At {level}, at a confidence of at least {t}, {share} of contacts can be "
                    "routed automatically at {acc} accuracy; the rest go to an agent."
                ).format(
                    level=_(LEVEL_WORDS[min(level, 3) - 1]),
                    t=fmt_value(route["threshold"], "number", decimals=2),
                    share=fmt_value(route["share_routed"], "share"),
                    acc=fmt_value(route["accuracy"], "share"),
                )
            )
            break
        return out

    def _repr_html_(self) -> str:
        from cxlab._present import CSS, cards_html, findings_html

        return (
            f"{CSS}<div class='cx-result'><h4>{html.escape(self.title)}</h4>"
            f"{cards_html(self.headline())}{findings_html(self.findings())}</div>"
        )

    def plot(self):
        """The level-2 reasons' shares, this period against the comparison period."""
        return self.reasons.plot()


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
