"""The label catalogue: what a reader sees instead of a column name, a metric key or a code.

One dictionary maps every identifier that can reach a reader (metrics, columns, dimensions, levels
of a dimension) to its English label, marked with ``N_`` so the gettext extraction finds it; the
Chinese comes from the catalogue when the label is shown. :func:`label` is the only way a room
turns an identifier into words. An identifier with no label is made readable (``agent_id`` reads
"Agent id") and remembered, so a test can list what is still missing.

Data values of a real workspace (its own category and region names) are shown as they are: a
label exists for them only when the catalogue knows the value (the synthetic workspace's names).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # polars loads when a table is drawn, not when cxlab is imported
    import polars as pl

from cxlab._present._i18n import N_, gettext, language

LABELS: dict[str, str] = {
    # metrics (the metric dictionary's keys)
    "contacts": N_("Contacts"),
    "offered": N_("Offered"),
    "answered": N_("Answered"),
    "answer_rate": N_("Answer rate"),
    "abandonment_rate": N_("Abandonment rate"),
    "service_level": N_("Service level"),
    "asa": N_("Average speed of answer"),
    "aht": N_("Average handle time"),
    "fcr": N_("First-contact resolution"),
    "fcr_reported": N_("First-contact resolution (as reported)"),
    "repeat_rate": N_("Repeat-contact rate"),
    "csat": N_("CSAT"),
    "csat_top2": N_("CSAT top-2 box"),
    "complaint_rate": N_("Complaint rate"),
    "resolution_within": N_("Resolved within promise"),
    "complaint_closed_in_time": N_("Complaints closed in time"),
    "complaint_handle_hours": N_("Complaint handling time"),
    "sla_answered": N_("Answered within priority SLA"),
    "sla_resolved": N_("Resolved within priority SLA"),
    "transfers_per_contact": N_("Transfers per contact"),
    "nps": N_("NPS"),
    "retention": N_("Retention"),
    "churn_rate": N_("Churn rate"),
    # settings that several rooms show (a plan's assumptions, a report's parameters)
    "aht_seconds": N_("Average handle time"),
    "sl_seconds": N_("Answered within"),
    "sl_target": N_("Service-level target"),
    "experiment_id": N_("Intervention"),
    "comment_language": N_("Comment language"),
    # dimensions and columns
    "channel": N_("Channel"),
    "queue": N_("Queue"),
    "category": N_("Category"),
    "category_l2": N_("Sub-category"),
    "category_l3": N_("Contact reason"),
    "complaint_type": N_("Complaint type"),
    "priority": N_("Priority"),
    "region": N_("Region"),
    "segment": N_("Segment"),
    "value_tier": N_("Value tier"),
    "contract": N_("Contract"),
    "team": N_("Team"),
    "agent_id": N_("Agent"),
    "customer_id": N_("Customer"),
    "contact_id": N_("Contact"),
    "arm": N_("Group"),
    "period": N_("Period"),
    "month": N_("Month"),
    "week": N_("Week"),
    "date": N_("Date"),
    "day": N_("Day"),
    "hour": N_("Hour"),
    "weekday": N_("Weekday"),
    "interval": N_("Time"),
    "ts": N_("Time"),
    "time_band": N_("Time band"),
    "metric": N_("Measure"),
    "kpi": N_("Measure"),
    "value": N_("Value"),
    "actual": N_("Actual"),
    "target": N_("Target"),
    "status": N_("Status"),
    "change": N_("Change"),
    "previous": N_("Previous"),
    "current": N_("Current"),
    "n": N_("Count"),
    "share": N_("Share"),
    "estimate": N_("Estimate"),
    "std_error": N_("Standard error"),
    "ci_low": N_("Lower bound"),
    "ci_high": N_("Upper bound"),
    "p_value": N_("p-value"),
    "p_adj": N_("Adjusted p-value"),
    "term": N_("Factor"),
    "y": N_("Actual"),
    "y_hat": N_("Forecast"),
    "y_lo_80": N_("80% low"),
    "y_hi_80": N_("80% high"),
    "y_lo_95": N_("95% low"),
    "y_hi_95": N_("95% high"),
    "model": N_("Method"),
    "series_id": N_("Queue"),
    "cutoff": N_("Forecast made on"),
    "agents": N_("Agents"),
    "required": N_("Agents required"),
    "volume": N_("Volume"),
    "money": N_("Money"),
    "monthly_value": N_("Monthly value"),
    # levels: channels, priorities, segments, contracts, arms, statuses
    "phone": N_("Phone"),
    "chat": N_("Chat"),
    "email": N_("Email"),
    "social": N_("Social media"),
    "P1": N_("P1 (urgent)"),
    "P2": N_("P2 (high)"),
    "P3": N_("P3 (normal)"),
    "enterprise": N_("Enterprise"),
    "individual": N_("Individual"),
    "monthly": N_("Monthly"),
    "annual": N_("Annual"),
    "control": N_("Control"),
    "treatment": N_("Treatment"),
    "others": N_("Others"),
    "total": N_("Total"),
    "met": N_("Met"),
    "missed": N_("Missed"),
    # the synthetic workspace's queues, taxonomy, complaint types and regions
    "phone_orders": N_("Phone, orders"),
    "phone_billing": N_("Phone, billing"),
    "phone_tech": N_("Phone, technical"),
    "chat_orders": N_("Chat, orders"),
    "chat_support": N_("Chat, support"),
    "email_support": N_("Email support"),
    "social_care": N_("Social media care"),
    "product_quality": N_("Product quality"),
    "logistics": N_("Logistics"),
    "service_attitude": N_("Service attitude"),
    "refund": N_("Refund"),
    "Orders": N_("Orders"),
    "Billing": N_("Billing"),
    "Technical": N_("Technical"),
    "Account": N_("Account"),
    "Delivery": N_("Delivery"),
    "Returns": N_("Returns"),
    "Charges": N_("Charges"),
    "Refunds": N_("Refunds"),
    "Device": N_("Device"),
    "Service": N_("Service"),
    "Profile": N_("Profile"),
    "Plan": N_("Plan"),
    "Where is my order": N_("Where is my order"),
    "Delayed delivery": N_("Delayed delivery"),
    "Wrong address": N_("Wrong address"),
    "Return request": N_("Return request"),
    "Exchange": N_("Exchange"),
    "Unexpected charge": N_("Unexpected charge"),
    "Double charge": N_("Double charge"),
    "Refund status": N_("Refund status"),
    "Refund delay": N_("Refund delay"),
    "Set-up": N_("Set-up"),
    "Not working": N_("Not working"),
    "Service down": N_("Service down"),
    "Slow service": N_("Slow service"),
    "Password reset": N_("Password reset"),
    "Update details": N_("Update details"),
    "Upgrade": N_("Upgrade"),
    "Cancel plan": N_("Cancel plan"),
    "Beijing": N_("Beijing"),
    "Shanghai": N_("Shanghai"),
    "Guangdong": N_("Guangdong"),
    "Zhejiang": N_("Zhejiang"),
    "Jiangsu": N_("Jiangsu"),
    "Sichuan": N_("Sichuan"),
    "Hubei": N_("Hubei"),
    "Shandong": N_("Shandong"),
    "Fujian": N_("Fujian"),
    "Henan": N_("Henan"),
    "Hunan": N_("Hunan"),
    "Anhui": N_("Anhui"),
    "Shaanxi": N_("Shaanxi"),
    "Chongqing": N_("Chongqing"),
    "Tianjin": N_("Tianjin"),
    "Liaoning": N_("Liaoning"),
}

# the order a service department reads levels in (not the alphabet of their codes)
ORDERS: dict[str, tuple[str, ...]] = {
    "channel": ("phone", "chat", "email", "social"),
    "priority": ("P1", "P2", "P3"),
    "segment": ("enterprise", "individual"),
    "contract": ("monthly", "annual"),
    "arm": ("control", "treatment"),
}

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_MISSING: set[str] = set()


CONFLICTS: dict[str, set[str]] = {}
"""Keys two rooms registered with different words (one key has one label: a test keeps it empty)."""


def register_labels(labels: dict[str, str]) -> None:
    """Add a room's own identifiers to the catalogue (values marked with ``N_``)."""
    for key, text in labels.items():
        if key in LABELS and LABELS[key] != text:
            CONFLICTS.setdefault(key, {LABELS[key]}).add(text)
    LABELS.update(labels)


_DECLARED: dict[str, str | dict[str, str]] = {}


def declare_label(key: str, text: str | dict[str, str] | None) -> None:
    """An analyst's own label: one text, or one per language (``{"zh": "回拨率", "en": "Callback
    rate"}``). It wins over the catalogue and is shown as given, never translated; ``None``
    forgets it."""
    if text is None:
        _DECLARED.pop(key, None)
    else:
        _DECLARED[key] = text


def label(key: object) -> str:
    """The reader's word for ``key`` (a metric, column, dimension or level), translated.

    A value the catalogue does not know is shown as it is (real category and region names keep
    their own spelling); a snake_case identifier is made readable and remembered as missing.
    """
    if key is None:
        return "–"
    text = str(key)
    declared = _DECLARED.get(text)
    if declared is not None:
        if isinstance(declared, str):
            return declared
        return declared.get(language()) or declared.get("en") or next(iter(declared.values()))
    found = LABELS.get(text)
    if found is not None:
        return gettext(found)
    if _IDENTIFIER.match(text):
        _MISSING.add(text)
        return gettext(text.replace("_", " ").capitalize())
    return gettext(text)


def missing_labels() -> set[str]:
    """Identifiers shown so far that had no label (for tests)."""
    return set(_MISSING)


def order_levels(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """``frame`` sorted by ``column`` in the business order of its levels (phone, chat, email,
    social; P1, P2, P3); levels the order does not know follow in their current order."""
    import polars as pl

    order = ORDERS.get(column)
    if not order or column not in frame.columns:
        return frame
    rank = {v: i for i, v in enumerate(order)}
    key = (
        pl.col(column).cast(pl.Utf8).replace_strict(rank, default=len(order), return_dtype=pl.Int32)
    )
    return frame.with_row_index("__row").sort([key, "__row"]).drop("__row")


def label_levels(frame: pl.DataFrame, columns: list[str] | tuple[str, ...]) -> pl.DataFrame:
    """``frame`` with the levels of ``columns`` replaced by their labels (text columns only)."""
    import polars as pl

    out = []
    for name in columns:
        if name in frame.columns and frame.schema[name] in (pl.Utf8, pl.Categorical, pl.Enum):
            values = frame.get_column(name).cast(pl.Utf8).unique().drop_nulls().to_list()
            out.append(pl.col(name).cast(pl.Utf8).replace({v: label(v) for v in values}))
    return frame.with_columns(out) if out else frame
