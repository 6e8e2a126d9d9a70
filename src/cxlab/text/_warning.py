"""The early-warning list: upset, unresolved contacts of valuable customers, to follow up today.

A contact is listed when all three hold:

- its text reads **angry or anxious** (the trained model's prediction when one is given, else the
  word list's);
- it is **not resolved**: still open (no ``resolved_at``) or not resolved at the first contact
  (``first_contact_resolution`` false);
- its customer is **valuable**: a ``value_tier`` in ``tiers`` (gold by default) or a
  ``monthly_value`` of at least ``min_monthly_value``.

The list is ranked by a stated score, the customer's monthly value weighted by the probability
that the contact is angry or anxious (``p_negative * monthly_value``, the money a month at stake;
the word list gives a probability of 0 or 1), then open contacts before those closed without a
first-contact resolution, then the oldest first. Each row says why in words.

The report shows masked customer and contact ids and notes scrubbed of personal data
(:meth:`EarlyWarning.summary`); the analyst-side export (:meth:`EarlyWarning.export`) keeps the
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
from cxlab._masking import mask_column
from cxlab._present import (
    N_,
    Headline,
    Period,
    _,
    fmt_value,
    label,
    label_levels,
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
        "follow_up_state": N_("Resolution state"),
        "arrived_at": N_("Arrived at"),
        "note": N_("Agent's note"),
        "note_excerpt": N_("Agent's note (start)"),
    }
)
register_units({"value_at_stake": "money", "monthly_value": "money", "p_negative": "share"})

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


def _short_mask(masked: str | None) -> str | None:
    """A masked id with the first characters of its fingerprint: ``C0***#7i9x1x``."""
    if masked is None or "#" not in masked:
        return masked
    head, _sep, fingerprint = masked.partition("#")
    return f"{head}#{fingerprint[:FINGERPRINT_SHOWN]}"


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
    "value_at_stake",
    "note",
)


@dataclass(frozen=True)
class EarlyWarning(Result):
    """Contacts to follow up today. ``summary()`` masks customer and contact ids and scrubs the
    notes; ``export()`` writes the full list for the analyst. The table stays out of ``repr``."""

    table: pl.DataFrame = field(repr=False)
    period_obj: Period
    reader: str
    funnel: dict[str, int] = field(default_factory=dict)
    tiers: tuple[str, ...] = ("gold",)
    min_monthly_value: float | None = None
    text: str = "note"
    account: TextAccount | None = field(default=None, repr=False)

    @property
    def title(self) -> str:
        return _("Upset customers to follow up today, {period}").format(period=self.period_obj.text)

    def _reasons(self, frame: pl.DataFrame) -> list[str]:
        out = []
        for row in frame.iter_rows(named=True):
            feeling = label(row["predicted_emotion"])
            if self.reader == "trained" and row["p_negative"] is not None:
                feeling = _("{emotion} (probability {p} of angry or anxious)").format(
                    emotion=feeling, p=fmt_value(row["p_negative"], "share")
                )
            state = label(row["unresolved"]).lower()
            who = (
                _("{tier} customer, {value} a month").format(
                    tier=label(row["value_tier"]).lower(),
                    value=fmt_value(row["monthly_value"], "money"),
                )
                if row.get("value_tier") is not None
                else _("{value} a month").format(value=fmt_value(row["monthly_value"], "money"))
            )
            out.append(
                _("{feeling}; {state}; {who}.").format(feeling=feeling, state=state, who=who)
            )
        return out

    def summary(self) -> pl.DataFrame:
        t = self.table
        shown = t.with_columns(pl.Series("follow_up_reason", self._reasons(t), pl.Utf8))
        shown = mask_column(mask_column(shown, "customer_id"), "contact_id")
        return scrub_frame(shown, [self.text, "follow_up_reason"])

    def reader_table(self) -> pl.DataFrame:
        """The list as a reader reads it, one line a contact: the customer (masked, shortened),
        the contact reason, the emotion read, the monthly value at stake and the start of the note
        (scrubbed, then cut). The download (:meth:`summary`) holds every column."""
        t = self.summary()
        cols: dict[str, pl.Series | list] = {
            "customer_id": [_short_mask(m) for m in t["customer_id"]],
        }
        if "category" in t.columns:
            cols["contact_reason"] = [label(c) for c in t["category"]]
        cols["predicted_emotion"] = [label(e) for e in t["predicted_emotion"]]
        cols["value_at_stake"] = t["value_at_stake"]
        if "note" in t.columns:
            cols["note_excerpt"] = pl.Series([excerpt(n) for n in t["note"]], dtype=pl.Utf8)
        return pl.DataFrame(cols)

    def download(self) -> pl.DataFrame:
        """The list as the report's download holds it: every column of :meth:`summary` (ids
        masked, notes scrubbed), its levels in the report's language."""
        levels = ("channel", "queue", "category", "predicted_emotion", "value_tier", "segment")
        t = self.summary().rename({"unresolved": "follow_up_state"}, strict=False)
        return label_levels(t, [*levels, "follow_up_state"])

    def _repr_html_(self) -> str:
        from cxlab._present import CSS, cards_html, csv_link, findings_html, table_html

        shown = self.reader_table()
        notes = self.table["note"].head(BODY_LIST).to_list() if "note" in self.table.columns else []
        body = table_html(
            shown.head(BODY_LIST),
            units={"value_at_stake": "money"},
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
        resolved, from a valuable customer."""
        steps = ("contacts", "with_text", "negative", "unresolved", "valuable")
        return pl.DataFrame(
            {"step": list(steps), "count": [int(self.funnel.get(k, 0)) for k in steps]},
            schema={"step": pl.Utf8, "count": pl.Int64},
        )

    def headline(self) -> list[Headline]:
        return [
            Headline(
                key="early_warning_contacts",
                label=N_("Upset customers to follow up"),
                value=self.table.height,
                unit="count",
                period=self.period_obj.iso,
            )
        ]

    def findings(self) -> list[str]:
        f = self.funnel
        n = self.table.height
        period = self.period_obj.text
        if n == 0:
            out = [
                _(
                    "No contact of {period} is from a valuable customer, upset and unresolved: "
                    "nobody to follow up."
                ).format(period=period)
            ]
        else:
            out = [
                ngettext(
                    "{n} contact of {period} is from a valuable customer who is angry or anxious "
                    "and not resolved: follow it up today.",
                    "{n} contacts of {period} are from valuable customers who are angry or "
                    "anxious and not resolved: follow them up today.",
                    n,
                ).format(n=fmt_value(n, "count"), period=period)
            ]
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
            top = self.table.row(0, named=True)
            out.append(
                _(
                    "They are ranked by monthly value weighted by the chance the customer is "
                    "upset; the first has {value} a month at stake."
                ).format(value=fmt_value(top["value_at_stake"], "money"))
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
            xaxis_title=_("Contacts to follow up"),
            height=max(280, 28 * counts.height + 140),
            showlegend=False,
        )
        return fig

    def export_note(self) -> str:
        """A sentence for the report naming where the unmasked list is (never its contents)."""
        return _(
            "The full list with real customer and contact ids ({n} contacts) is in the analyst's "
            "export; it is not in this report."
        ).format(n=fmt_value(self.table.height, "count"))

    def save(self, directory: str | os.PathLike | None = None) -> Path:
        """Export to ``<directory>/early_warning_<start>.csv`` (default: the workspace's
        ``data/exports``, outside the published reports); returns the path."""
        if directory in (None, ""):
            from cxlab._config import settings

            directory = settings().data_dir / "exports"
        return self.export(Path(directory) / f"early_warning_{self.period_obj.start}.csv")

    def export(self, path: str | os.PathLike) -> Path:
        """Write the full list with real ids and the reason (CSV or Parquet by suffix)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        full = self.table.with_columns(
            pl.Series("follow_up_reason", self._reasons(self.table), pl.Utf8)
        )
        if target.suffix == ".parquet":
            full.write_parquet(target)
        else:
            full.write_csv(target)
        return target


def _window(
    contacts: pl.LazyFrame, days: int, as_of: dt.date | str | None, tz: str
) -> tuple[pl.LazyFrame, Period]:
    day = pl.col("arrived_at").dt.convert_time_zone(tz).dt.date()
    if as_of is None:
        last = contacts.select(day.max()).collect().item()
        if last is None:
            raise NotEnoughDataError("early_warning: the contacts table has no rows.")
    else:
        last = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    first = last - dt.timedelta(days=days - 1)
    period = parse_period(f"{first.isoformat()}..{last.isoformat()}")
    return contacts.filter(period.filter("arrived_at", tz)), period


def early_warning(
    contacts: pl.DataFrame | pl.LazyFrame,
    customers: pl.DataFrame | pl.LazyFrame,
    *,
    model: EmotionModel | None = None,
    text: str = "note",
    days: int = 1,
    as_of: dt.date | str | None = None,
    tiers: tuple[str, ...] = ("gold",),
    min_monthly_value: float | None = None,
    time_zone: str | None = None,
    max_chars: int = MAX_CHARS,
) -> EarlyWarning:
    """Contacts of the last ``days`` local days (up to ``as_of``, by default the last day in the
    data) that are angry or anxious, not resolved and from a valuable customer, ranked.

    Raises
    ------
    SchemaError
        A column the rule needs is missing (``arrived_at``, ``customer_id``, ``resolved_at`` or
        ``first_contact_resolution``; ``value_tier`` or ``monthly_value`` in ``customers``).
    OptionError
        ``days`` is not a positive whole number, or neither ``tiers`` nor ``min_monthly_value``
        says who is valuable.

    Examples
    --------
    >>> import cxlab as cx
    >>> ew = cx.text.early_warning(cx.load("contacts"), cx.load("customers"))  # doctest: +SKIP
    >>> ew.summary()  # masked ids  # doctest: +SKIP

    References
    ----------
    Hart, Heskett and Sasser (1990), service recovery; Reichheld (2003), closing the loop.
    """
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
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
    window, period = _window(lf, days, as_of, tz)
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
    joined = unresolved.join(cust.select(keep_c).collect(), on="customer_id", how="left")
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
    if text != "note" and text in listed.columns:
        listed = listed.rename({text: "note"}) if "note" not in listed.columns else listed
    table = listed.select([c for c in COLUMNS if c in listed.columns])
    funnel = {
        "contacts": frame.height,
        "with_text": with_text.height,
        "negative": negative.height,
        "unresolved": unresolved.height,
        "valuable": table.height,
    }
    return EarlyWarning(
        table=table,
        period_obj=period,
        reader=reader.kind,
        funnel=funnel,
        tiers=tiers,
        min_monthly_value=min_monthly_value,
        text="note" if "note" in table.columns else text,
        account=account,
    )
