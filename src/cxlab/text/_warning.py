"""The early-warning list: valuable customers with an upset, unresolved contact, to call back.

A contact is listed when all three hold:

- its text reads **angry or anxious** (the trained model's prediction when one is given, else the
  word list's);
- it is **not resolved**: still open (no ``resolved_at``) or not resolved at the first contact
  (``first_contact_resolution`` false);
- its customer is **valuable**: a ``value_tier`` in ``tiers`` (gold by default) or a
  ``monthly_value`` of at least ``min_monthly_value``.

The list has one row per customer: the customer's most urgent contact, with the count of the
customer's other contacts that qualify (``other_contacts``). The window is the report's
``period`` (a month report lists the whole month), or its last ``days`` days, or, without a
period, the last ``days`` days of data up to ``as_of``.

The list is ranked by a stated score, the customer's monthly value weighted by the probability
that the contact is angry or anxious (``p_negative * monthly_value``, the money a month at stake;
the word list gives a probability of 0 or 1), then open contacts before those closed without a
first-contact resolution, then the oldest first. Each row says why in words.

The report shows masked customer and contact ids, notes scrubbed of personal data, the arrival
date (not the minute) and the customer's value as a band of the customer base ("top 10%", never
the figure), so that a row cannot be matched back to a customer (:meth:`EarlyWarning.summary`);
the analyst-side export (:meth:`EarlyWarning.export`) keeps the
full ids for the team that calls back, as the NPS detractor list does.

References
----------
Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review* 81(12)
(closing the loop with unhappy customers). Hart, C. W. L., Heskett, J. L. and Sasser, W. E.
(1990). The profitable art of service recovery. *Harvard Business Review* 68(4).
"""

from __future__ import annotations

import datetime as dt
import html
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError, SchemaError
from cxlab._exports import exports_dir, write_export
from cxlab._masking import mask_column, short_mask
from cxlab._present import (
    N_,
    Headline,
    Period,
    _,
    fmt_value,
    label,
    local_zone,
    ngettext,
    parse_period,
    register_labels,
    register_units,
    scrub_frame,
    scrub_text,
)
from cxlab._result import Result
from cxlab.features import text_language
from cxlab.text._prepare import MAX_CHARS, TextAccount, prepare_text
from cxlab.text._sentiment import NEGATIVE, EmotionModel, emotion_lexicon

register_labels(
    {
        "follow_up_reason": N_("Why"),
        "value_at_stake": N_("Monthly value at stake"),
        "still_open": N_("Still open"),
        "not_fcr": N_("Not resolved at first contact"),
        "gold": N_("Gold"),
        "silver": N_("Silver"),
        "bronze": N_("Bronze"),
        "other_contacts": N_("Other upset contacts"),
        "arrived_on": N_("Arrived on"),
        "value_band": N_("Monthly value"),
        "top_1": N_("Top 1% of customers"),
        "top_10": N_("Top 10% of customers"),
        "top_25": N_("Top 25% of customers"),
        "top_50": N_("Top half of customers"),
        "lower_50": N_("Lower half of customers"),
        "follow_up_state": N_("Resolution state"),
        "arrived_at": N_("Arrived at"),
        "note": N_("Agent's note"),
        "note_excerpt": N_("Agent's note (start)"),
    }
)
register_units(
    {
        "other_contacts": "count",
        "value_at_stake": "money",
        "monthly_value": "money",
        "p_negative": "share",
    }
)

BANDS = ((0.01, "top_1"), (0.10, "top_10"), (0.25, "top_25"), (0.50, "top_50"))
"""Value bands: the share of customers whose monthly value is at least the customer's."""

EXCERPT_WIDTH = 56
"""The widest note excerpt in the report, in half-width characters (a Chinese character counts
two): about 360 px at the table's 13 px, so a row stays on one line."""
BODY_LIST = 30
"""Rows of the call-back list shown in the body; the download holds them all."""
FINGERPRINT_SHOWN = 6
"""Characters of a masked id's fingerprint shown in the body (enough to tell rows apart)."""


def excerpt(text: str | None, width: int = EXCERPT_WIDTH) -> str | None:
    """The start of ``text``, scrubbed of personal data first, cut to ``width`` half-width
    characters (a wide character, Chinese, counts two) at a word's end where there is one,
    with "…" when cut."""
    if text is None:
        return None
    text = " ".join(scrub_text(text).split())
    used, end = 0, len(text)
    for i, ch in enumerate(text):
        used += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        if used > width - 1:  # room for the "…"
            end = i
            break
    if end == len(text):
        return text
    cut = text[:end]
    space = cut.rfind(" ")
    if space > end // 2:  # Latin text: end on a whole word
        cut = cut[:space]
    return cut.rstrip(" ,.;:，。；：、") + "…"


COLUMNS = (
    "contact_id",
    "customer_id",
    "arrived_at",
    "channel",
    "queue",
    "category",
    "predicted_emotion",
    "p_negative",
    "unresolved",
    "value_tier",
    "segment",
    "monthly_value",
    "value_band",
    "value_at_stake",
    "other_contacts",
    "note",
)
SHOWN_DROP = ("arrived_at", "monthly_value", "value_at_stake")
"""Columns the report leaves out (the export keeps them): the minute and the exact value."""


@dataclass(frozen=True)
class EarlyWarning(Result):
    """Customers to call back, one row each. ``summary()`` masks customer and contact ids, scrubs
    the notes and coarsens the arrival to a date and the value to a band; ``export()`` writes the
    full list for the analyst. The table stays out of ``repr``."""

    table: pl.DataFrame = field(repr=False)
    period_obj: Period
    reader: str
    funnel: dict[str, int] = field(default_factory=dict)
    tiers: tuple[str, ...] = ("gold",)
    min_monthly_value: float | None = None
    text: str = "note"
    account: TextAccount | None = field(default=None, repr=False)
    days: int | None = None
    time_zone: str | None = None

    @property
    def title(self) -> str:
        return _("Upset customers to call back, {period}").format(period=self.period_obj.text)

    @property
    def window(self) -> str:
        """The window of contacts read, in words: "October 2026", "the last 7 days, Oct 25 – 31,
        2026"."""
        if self.days is None or self.days == 1:
            return self.period_obj.text
        return _("the last {n} days, {period}").format(
            n=fmt_value(self.days, "count"), period=self.period_obj.text
        )

    @property
    def customers(self) -> int:
        """Customers to call back (one row each)."""
        return self.table.height

    def _reasons(self, frame: pl.DataFrame, *, exact: bool = True) -> list[str]:
        out = []
        for row in frame.iter_rows(named=True):
            feeling = label(row["predicted_emotion"])
            if self.reader == "trained" and row["p_negative"] is not None:
                feeling = _("{emotion} (probability {p} of angry or anxious)").format(
                    emotion=feeling, p=fmt_value(row["p_negative"], "share")
                )
            state = label(row["unresolved"]).lower()
            value = (
                _("{value} a month").format(value=fmt_value(row["monthly_value"], "money"))
                if exact or row.get("value_band") is None
                else label(row["value_band"]).lower()
            )
            who = (
                _("{tier} customer, {value}").format(
                    tier=label(row["value_tier"]).lower(), value=value
                )
                if row.get("value_tier") is not None
                else value
            )
            out.append(
                _("{feeling}; {state}; {who}.").format(feeling=feeling, state=state, who=who)
            )
        return out

    def summary(self) -> pl.DataFrame:
        """The list as a report shows it: masked ids, scrubbed notes, the arrival date and the
        value band (no minute, no exact value: together with the channel and the reason they
        could single a customer out)."""
        t = self.table
        shown = t.with_columns(
            pl.Series("follow_up_reason", self._reasons(t, exact=False), pl.Utf8),
            pl.col("arrived_at")
            .dt.convert_time_zone(local_zone(self.time_zone))
            .dt.date()
            .alias("arrived_on"),
        )
        drop = SHOWN_DROP + (("p_negative",) if self.reader == "lexicon" else ())  # 0 or 1
        order = [c for c in shown.columns if c not in drop]
        order.insert(order.index("customer_id") + 1, order.pop(order.index("arrived_on")))
        shown = mask_column(mask_column(shown.select(order), "customer_id"), "contact_id")
        return scrub_frame(shown, [self.text, "follow_up_reason"])

    def reader_table(self) -> pl.DataFrame:
        """The list as a reader reads it, one line a customer: the customer (masked, shortened),
        the day of the contact, the contact reason, the emotion read, the band of the customer's
        monthly value, the count of the customer's other upset contacts and the start of the note
        (scrubbed, then cut). The report's download (:meth:`download`) holds the same columns;
        the full list is only in the analyst's export (:meth:`export`)."""
        t = self.summary()
        cols: dict[str, pl.Series | list] = {
            "customer_id": [short_mask(m, FINGERPRINT_SHOWN) for m in t["customer_id"]],
            "arrived_on": t["arrived_on"],
        }
        if "category" in t.columns:
            cols["contact_reason"] = [label(c) for c in t["category"]]
        cols["predicted_emotion"] = [label(e) for e in t["predicted_emotion"]]
        cols["value_band"] = [label(v) for v in t["value_band"]]
        if "other_contacts" in t.columns:
            cols["other_contacts"] = t["other_contacts"].cast(pl.Int64)
        if "note" in t.columns:
            cols["note_excerpt"] = pl.Series([excerpt(n) for n in t["note"]], dtype=pl.Utf8)
        return pl.DataFrame(cols)

    def download(self) -> pl.DataFrame:
        """The list as the report's download holds it: what the body shows, every row
        (:meth:`reader_table`: short masked id, day, reason, emotion, value band, other
        contacts, the scrubbed start of the note). Never the whole note, the channel, the queue
        or the segment: together they could single a customer out; the full list is only in the
        analyst's export."""
        return self.reader_table()

    def _repr_html_(self) -> str:
        from cxlab._present import CSS, cards_html, csv_link, findings_html, table_html

        shown = self.reader_table()
        notes = self.table["note"].head(BODY_LIST).to_list() if "note" in self.table.columns else []
        body = table_html(
            shown.head(BODY_LIST),
            max_rows=None,
            # a note is quoted as the agent wrote it: its cell carries its own language
            quoted={"note_excerpt": [text_language(n) for n in notes]},
        )
        more = ""
        if shown.height:  # the download holds every row and every column, ids masked
            hidden = shown.height - BODY_LIST
            words = (
                ngettext("{n} more row not shown.", "{n} more rows not shown.", hidden).format(
                    n=fmt_value(hidden, "count")
                )
                + " "
                if hidden > 0
                else ""
            )
            more = (
                f"<p class='cx-more'>{html.escape(words)}"
                f"{csv_link(self.download(), name='call_back_list')} "
                f"{html.escape(_('(customer ids masked)'))}</p>"
            )
        return (
            f"{CSS}<div class='cx-result'><h4>{html.escape(self.title)}</h4>"
            f"{cards_html(self.headline())}{findings_html(self.findings())}{body}{more}</div>"
        )

    def details(self) -> pl.DataFrame:
        """How the list was narrowed: contacts of the period, with a note, angry or anxious, not
        resolved, from a valuable customer; then the customers they come from."""
        steps = ("contacts", "with_text", "negative", "unresolved", "valuable", "customers")
        return pl.DataFrame(
            {"step": list(steps), "count": [int(self.funnel.get(k, 0)) for k in steps]},
            schema={"step": pl.Utf8, "count": pl.Int64},
        )

    def headline(self) -> list[Headline]:
        return [
            Headline(
                key="early_warning_contacts",
                label=N_("Upset customers to follow up"),
                value=self.customers,
                unit="count",
                period=self.period_obj.iso,
            )
        ]

    def findings(self) -> list[str]:
        f = self.funnel
        n = self.customers
        period = self.window
        if n == 0:
            out = [
                _(
                    "No contact of {period} is from a valuable customer, upset and unresolved: "
                    "nobody to follow up."
                ).format(period=period)
            ]
        else:
            contacts = int(f.get("valuable", n))
            out = [
                ngettext(
                    "{n} valuable customer had a contact that reads angry or anxious and is not "
                    "resolved ({period}): call them back.",
                    "{n} valuable customers had a contact that reads angry or anxious and is not "
                    "resolved ({period}): call them back.",
                    n,
                ).format(n=fmt_value(n, "count"), period=period)
            ]
            if contacts > n:
                out.append(
                    _(
                        "They made {contacts} such contacts; each customer is listed once, with "
                        "the most urgent contact, and the others are counted."
                    ).format(contacts=fmt_value(contacts, "count"))
                )
        out.append(
            _(
                "Of {total} contacts with a note, {negative} read angry or anxious, {unresolved} "
                "of those were not resolved, and {valuable} of those are valuable customers."
            ).format(
                total=fmt_value(f.get("with_text", 0), "count"),
                negative=fmt_value(f.get("negative", 0), "count"),
                unresolved=fmt_value(f.get("unresolved", 0), "count"),
                valuable=fmt_value(f.get("valuable", 0), "count"),
            )
        )
        if n:
            out.append(
                _(
                    "They are ranked by monthly value weighted by the chance the customer is "
                    "upset. The report shows the day of the contact and the customer's value as "
                    "a band, not the minute or the figure; the export has both."
                )
            )
        if self.reader == "lexicon":
            out.append(
                _(
                    "Emotions were read with the word list; a model trained on labelled notes "
                    "misses fewer upset customers."
                )
            )
        if self.account is not None:
            out.extend(self.account.sentences())
        return out

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.viz import COLORS

        by = "category" if "category" in self.table.columns else "predicted_emotion"
        counts = (
            self.table.group_by(by).agg(pl.len(), pl.col("value_at_stake").sum()).sort("len")
            if self.table.height
            else pl.DataFrame({by: [None], "len": [0], "value_at_stake": [0.0]})
        )
        fig = go.Figure(
            go.Bar(
                x=counts["len"].to_list(),
                y=[html.escape(label(x)) for x in counts[by]],
                orientation="h",
                marker_color=COLORS["bad"],
                hovertemplate="%{y}: %{x}<extra></extra>",
            )
        )
        fig.update_layout(
            title=html.escape(self.title),
            xaxis_title=_("Customers to call back"),
            height=max(280, 28 * counts.height + 140),
            showlegend=False,
        )
        return fig

    def export_note(self) -> str:
        """A sentence for the report naming where the unmasked list is (never its contents)."""
        return ngettext(
            "The full list with real customer and contact ids ({n} customer) is in the analyst's "
            "export; it is not in this report.",
            "The full list with real customer and contact ids ({n} customers) is in the "
            "analyst's export; it is not in this report.",
            self.customers,
        ).format(n=fmt_value(self.customers, "count"))

    def save(self, directory: str | os.PathLike | None = None) -> Path:
        """Export to ``<directory>/early_warning_<start>.csv`` (default: the workspace's
        ``data/exports``, outside the published reports); returns the path."""
        return self.export(exports_dir(directory) / f"early_warning_{self.period_obj.start}.csv")

    def export(self, path: str | os.PathLike) -> Path:
        """Write the full list with real ids and the reason (CSV or Parquet by suffix)."""
        full = self.table.with_columns(
            pl.Series("follow_up_reason", self._reasons(self.table), pl.Utf8)
        )
        return write_export(full, path)


def _window(
    contacts: pl.LazyFrame,
    period: str | Period | None,
    days: int | None,
    as_of: dt.date | str | None,
    tz: str,
) -> tuple[pl.LazyFrame, Period]:
    """The contacts of the window and the window: the period (to ``as_of`` when it falls inside),
    or its last ``days`` days; without a period, the last ``days`` days up to ``as_of`` or the
    last day of data."""
    day = pl.col("arrived_at").dt.convert_time_zone(tz).dt.date()
    first, last = (
        contacts.select(day.min().alias("first"), day.max().alias("last")).collect().row(0)
    )
    if last is None:
        raise NotEnoughDataError("early_warning: the contacts table has no rows.")
    end = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    if period is None:
        end = last if end is None else end
        start = end - dt.timedelta(days=(days or 1) - 1)
    else:
        whole = parse_period(period, first=first, last=last)
        top = whole.end - dt.timedelta(days=1)
        end = top if end is None else min(end, top)
        if end < whole.start:
            raise OptionError(
                f"early_warning: as_of={as_of!r} is before the period {whole.label} starts."
            )
        start = whole.start if days is None else max(whole.start, end - dt.timedelta(days=days - 1))
        if start == whole.start and end == top:
            return contacts.filter(whole.filter("arrived_at", tz)), whole
    window = parse_period(f"{start.isoformat()}..{end.isoformat()}")
    return contacts.filter(window.filter("arrived_at", tz)), window


def early_warning(
    contacts: pl.DataFrame | pl.LazyFrame,
    customers: pl.DataFrame | pl.LazyFrame,
    *,
    model: EmotionModel | None = None,
    text: str = "note",
    period: str | Period | None = None,
    days: int | None = None,
    as_of: dt.date | str | None = None,
    tiers: tuple[str, ...] = ("gold",),
    min_monthly_value: float | None = None,
    time_zone: str | None = None,
    max_chars: int = MAX_CHARS,
) -> EarlyWarning:
    """Valuable customers with a contact that reads angry or anxious and is not resolved, one row
    per customer (the most urgent contact, and ``other_contacts`` counted), ranked.

    The contacts read are those of ``period`` (``"latest_month"``, ``"2026-10"``, ...; up to
    ``as_of`` when it falls inside), or of its last ``days`` days when ``days`` is given; without a
    ``period``, those of the last ``days`` local days (one by default) up to ``as_of``, by default
    the last day in the data.

    Raises
    ------
    SchemaError
        A column the rule needs is missing (``arrived_at``, ``customer_id``, ``resolved_at`` or
        ``first_contact_resolution``; ``value_tier`` or ``monthly_value`` in ``customers``).
    OptionError
        ``days`` is not a positive whole number, neither ``tiers`` nor ``min_monthly_value``
        says who is valuable, the period is not understood, or ``as_of`` is before it.

    Examples
    --------
    >>> import cxlab as cx
    >>> ew = cx.text.early_warning(cx.load("contacts"), cx.load("customers"))  # doctest: +SKIP
    >>> ew.summary()  # masked ids  # doctest: +SKIP

    References
    ----------
    Hart, Heskett and Sasser (1990), service recovery; Reichheld (2003), closing the loop.
    """
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
        raise OptionError(f"days must be a positive whole number of days, not {days!r}.")
    tiers = tuple(tiers or ())
    if not tiers and min_monthly_value is None:
        raise OptionError(
            "early_warning: say who is a valuable customer: tiers=('gold',) or min_monthly_value."
        )
    lf = contacts.lazy()
    names = lf.collect_schema().names()
    missing = [c for c in ("contact_id", "customer_id", "arrived_at", text) if c not in names]
    if not ({"resolved_at", "first_contact_resolution"} & set(names)):
        missing.append("resolved_at or first_contact_resolution")
    if missing:
        raise SchemaError(f"early_warning: contacts lacks {', '.join(missing)}.")
    cust = customers.lazy()
    cnames = cust.collect_schema().names()
    need = ["customer_id", "monthly_value"] + (["value_tier"] if tiers else [])
    lacking = [c for c in need if c not in cnames]
    if lacking:
        raise SchemaError(f"early_warning: customers lacks {', '.join(lacking)}.")
    tz = local_zone(time_zone)
    window, window_p = _window(lf, period, days, as_of, tz)
    frame = window.collect()
    prepared, account = prepare_text(frame, text=text, max_chars=max_chars)
    reader = model if model is not None else emotion_lexicon(text=text, max_chars=max_chars)
    read = reader.predict(prepared, text=text)
    with_text = read.filter(pl.col(text).is_not_null())
    negative = with_text.filter(pl.col("predicted_emotion").is_in(list(NEGATIVE)))
    open_ = pl.col("resolved_at").is_null() if "resolved_at" in names else pl.lit(False)
    not_fcr = (
        (pl.col("first_contact_resolution") == False).fill_null(False)  # noqa: E712
        if "first_contact_resolution" in names
        else pl.lit(False)
    )
    unresolved = negative.with_columns(
        pl.when(open_)
        .then(pl.lit("still_open"))
        .when(not_fcr)
        .then(pl.lit("not_fcr"))
        .otherwise(None)
        .alias("unresolved")
    ).filter(pl.col("unresolved").is_not_null())
    keep_c = [c for c in ("customer_id", "value_tier", "segment", "monthly_value") if c in cnames]
    base = cust.select(keep_c).collect()
    joined = unresolved.join(
        base.with_columns(_value_band(base["monthly_value"])), on="customer_id", how="left"
    )
    valuable = pl.lit(False)
    if tiers:
        valuable = valuable | pl.col("value_tier").is_in(list(tiers)).fill_null(False)
    if min_monthly_value is not None:
        valuable = valuable | (pl.col("monthly_value") >= min_monthly_value).fill_null(False)
    listed = joined.filter(valuable).with_columns(
        (pl.col("p_negative") * pl.col("monthly_value")).alias("value_at_stake")
    )
    listed = listed.with_columns((pl.col("unresolved") == "still_open").alias("_open")).sort(
        ["value_at_stake", "_open", "arrived_at"], descending=[True, True, False], nulls_last=True
    )
    contacts_listed = listed.height
    listed = listed.with_columns(
        (pl.len().over("customer_id") - 1).cast(pl.Int64).alias("other_contacts")
    ).unique(subset="customer_id", keep="first", maintain_order=True)
    if text != "note" and text in listed.columns:
        listed = listed.rename({text: "note"}) if "note" not in listed.columns else listed
    table = listed.select([c for c in COLUMNS if c in listed.columns])
    funnel = {
        "contacts": frame.height,
        "with_text": with_text.height,
        "negative": negative.height,
        "unresolved": unresolved.height,
        "valuable": contacts_listed,
        "customers": table.height,
    }
    return EarlyWarning(
        table=table,
        period_obj=window_p,
        reader=reader.kind,
        funnel=funnel,
        tiers=tiers,
        min_monthly_value=min_monthly_value,
        text="note" if "note" in table.columns else text,
        account=account,
        days=None if period is not None and days is None else (days or 1),
        time_zone=tz,
    )


def _value_band(value: pl.Series) -> pl.Series:
    """Each customer's band of the customer base by monthly value: ``top_1`` when at most 1% of
    customers have as much or more, then ``top_10``, ``top_25``, ``top_50``, else ``lower_50``
    (None for no value)."""
    import numpy as np

    v = value.cast(pl.Float64).to_numpy()
    known = np.sort(v[~np.isnan(v)])
    out: list[str | None] = [None] * len(v)
    if known.size:
        at_least = (known.size - np.searchsorted(known, v, side="left")) / known.size
        for i, (x, share) in enumerate(zip(v, at_least, strict=True)):
            if not np.isnan(x):
                out[i] = next((name for cut, name in BANDS if share <= cut), "lower_50")
    return pl.Series("value_band", out, pl.Utf8)
