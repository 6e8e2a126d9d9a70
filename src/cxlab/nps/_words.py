"""The NPS room's words: labels of its columns, levels and drivers in the reader's language.

Every identifier the NPS results can show (rating and theme drivers, promoter/passive/detractor,
the columns of their tables) has a label here, registered in the shared catalogue, so no raw
identifier reaches a reader and the Chinese comes from ``locale/zh/nps.po``.
"""

from __future__ import annotations

from cxlab._present import N_, gettext, label, register_labels

RATING_LABELS = {
    "rating_wait_time": N_("Waiting time"),
    "rating_resolution": N_("Problem solved"),
    "rating_agent": N_("Agent"),
    "rating_product": N_("Product"),
    "rating_value": N_("Value for money"),
}
# the lexicon's themes (lexicon.json keeps the English label beside its terms)
THEME_LABELS = {
    "wait_time": N_("Waiting and reaching us"),
    "refund": N_("Refunds"),
    "agent": N_("Agent attitude and skill"),
    "product_quality": N_("Product quality and faults"),
    "price": N_("Price and fees"),
    "billing": N_("Bills and charges"),
    "delivery": N_("Delivery and logistics"),
    "digital": N_("App and website"),
    "(none)": N_("No theme found"),
}
THEME_DRIVER_LABELS = {
    "theme_wait_time": N_("Comments on waiting"),
    "theme_refund": N_("Comments on refunds"),
    "theme_agent": N_("Comments on the agent"),
    "theme_product_quality": N_("Comments on product quality"),
    "theme_price": N_("Comments on price"),
    "theme_billing": N_("Comments on bills"),
    "theme_delivery": N_("Comments on delivery"),
    "theme_digital": N_("Comments on the app and website"),
}
COMMENT_LANGUAGES = {"all": N_("All languages"), "en": N_("English"), "zh": N_("Chinese")}

register_labels(
    {
        **RATING_LABELS,
        **THEME_DRIVER_LABELS,
        "promoter": N_("Promoter"),
        "passive": N_("Passive"),
        "detractor": N_("Detractor"),
        "promoters": N_("Promoters"),
        "passives": N_("Passives"),
        "detractors": N_("Detractors"),
        "n_now": N_("Answers, this period"),
        "n_before": N_("Answers, comparison period"),
        "nps_now": N_("NPS, this period"),
        "nps_before": N_("NPS, comparison period"),
        "nps_now_low": N_("NPS this period, lower bound"),
        "nps_now_high": N_("NPS this period, upper bound"),
        "nps_low": N_("NPS, lower bound"),
        "nps_high": N_("NPS, upper bound"),
        "change_low": N_("Change, lower bound"),
        "change_high": N_("Change, upper bound"),
        "slope": N_("Points per rating step"),
        "slope_low": N_("Points per step, lower bound"),
        "slope_high": N_("Points per step, upper bound"),
        "gap_low": N_("Gap, lower bound"),
        "gap_high": N_("Gap, upper bound"),
        "importance": N_("Importance"),
        "importance_low": N_("Importance, lower bound"),
        "importance_high": N_("Importance, upper bound"),
        "raw_weight": N_("Share of the answer explained"),
        "performance": N_("Rated 4 or 5"),
        "mentions": N_("Comments"),
        "sentiment": N_("Tone"),
        "comment": N_("Comment"),
        "survey_id": N_("Survey"),
        "responded_at": N_("Survey date"),
        "last_contact_id": N_("Last contact"),
        "last_contact_at": N_("Last contact on"),
        "last_channel": N_("Last contact channel"),
        "last_queue": N_("Last contact queue"),
        "centre": N_("Long-run level"),
        "lower_limit": N_("Lower limit"),
        "upper_limit": N_("Upper limit"),
        "outside": N_("Outside normal variation"),
        "gap": N_("Gap to the rest"),
        "likely_range": N_("Likely range"),
        "beyond_chance": N_("Larger than chance?"),
        "theme_label": N_("Theme"),
        "driver": N_("Driver"),
        "question": N_("Question"),
        "missing_code": N_("Set aside as"),
        "overall": N_("Respondents"),
        "score_0_10": N_("Score\u00a0(0–10)"),
        "n_answers": N_("Answers"),
        "gold": N_("Gold"),
        "silver": N_("Silver"),
        "bronze": N_("Bronze"),
    }
)


def theme_label(name: str | None) -> str:
    """A lexicon theme in the reader's words."""
    if name is None:
        return gettext(THEME_LABELS["(none)"])
    found = THEME_LABELS.get(name)
    return gettext(found) if found else label(name)
