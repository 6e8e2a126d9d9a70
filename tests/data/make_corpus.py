"""Build the corpus of malformed inputs in ``tests/data/corpus/`` (run from the repository root).

Each file is a small valid base table with one rule broken on purpose. The base tables are
written by hand below (no generator), and each one is checked to pass validation before it is
broken, so every file breaks exactly the rule its case names. ``cases.yaml`` lists, for each file,
its table and the fragments that the refusal message must contain (and the raw values it must
not show). Running the script again gives the same bytes.

    .venv/bin/python tests/data/make_corpus.py
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import yaml

from cxlab.data import validate
from cxlab.data._schemas import TABLES

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=SHANGHAI)

Rows = list[dict[str, str]]


def masked(value: str) -> str:
    """What a refusal shows of an identifier: its first two characters and the mask's marker
    (the fingerprint after ``#`` depends on the workspace's secret key, so it is not listed)."""
    return f"{value[:2]}***#"


def _ts(t: dt.datetime) -> str:
    return t.isoformat(timespec="seconds")


# -- valid base tables (text, as an export would give them) -----------------------------------

CHANNELS = ("phone", "chat", "email", "social")
QUEUE_OF = {
    "phone": "phone_orders",
    "chat": "chat_support",
    "email": "email_support",
    "social": "social_care",
}


def contacts(n: int = 6) -> Rows:
    rows = []
    for i in range(1, n + 1):
        channel = CHANNELS[(i - 1) % 4]
        arrived = T0 + dt.timedelta(minutes=7 * i)
        abandoned = channel == "phone" and i % 5 == 0
        wait = 15.0 * i
        rows.append(
            {
                "contact_id": f"K{i:06d}",
                "customer_id": f"C{1000 + i:07d}",
                "channel": channel,
                "queue": QUEUE_OF[channel],
                "category": "Billing",
                "category_l2": "Charges",
                "category_l3": "Double charge",
                "complaint_type": "refund" if i % 3 == 0 else "",
                "priority": f"P{(i - 1) % 3 + 1}",
                "region": "Shanghai",
                "arrived_at": _ts(arrived),
                "answered_at": "" if abandoned else _ts(arrived + dt.timedelta(seconds=wait)),
                "resolved_at": "" if abandoned else _ts(arrived + dt.timedelta(hours=2)),
                "abandoned": "true" if abandoned else "false",
                "wait_seconds": f"{wait:.1f}",
                "handle_seconds": "" if abandoned else "300.0",
                "agent_id": "" if abandoned else "A-PH001",
                "first_contact_resolution": "" if abandoned else "true",
                "transfers": "0",
                "csat": "" if abandoned or i % 4 == 0 else "4",
            }
        )
    return rows


def customers(n: int = 6) -> Rows:
    return [
        {
            "customer_id": f"C{1000 + i:07d}",
            "segment": "enterprise" if i % 3 == 0 else "individual",
            "value_tier": ("gold", "silver", "bronze")[i % 3],
            "region": "Shanghai",
            "contract": ("monthly", "annual", "two_year")[i % 3],
            "monthly_value": f"{40.0 + 10 * i:.2f}",
            "signup_date": f"2025-0{i % 9 + 1}-15",
            "churn_date": "2026-02-01" if i == 2 else "",
            "downgrade_date": "",
        }
        for i in range(1, n + 1)
    ]


def surveys(n: int = 6) -> Rows:
    return [
        {
            "survey_id": f"S{i:08d}",
            "customer_id": f"C{1000 + i:07d}",
            "contact_id": f"K{i:06d}",
            "responded_at": _ts(T0 + dt.timedelta(hours=i)),
            "nps": str((i * 3) % 11),
            "rating_wait_time": str(i % 5 + 1),
            "rating_resolution": "4",
            "rating_agent": "5",
            "rating_product": "",
            "rating_value": "3",
            "comment": "Quick answer, thanks" if i % 2 else "",
            "language": "en" if i % 2 else "",
        }
        for i in range(1, n + 1)
    ]


def experiments(n: int = 3) -> Rows:
    return [
        {
            "experiment_id": f"EXP-{i}",
            "name": f"Test {i}",
            "kind": "ab",
            "design": "ab",
            "unit": "customer",
            "start": _ts(T0 + dt.timedelta(days=i)),
            "end": _ts(T0 + dt.timedelta(days=30 + i)),
            "primary_metric": "fcr",
            "guardrails": "aht",
            "description": "Routing test",
        }
        for i in range(1, n + 1)
    ]


def assignments(n: int = 6) -> Rows:
    return [
        {
            "experiment_id": "EXP-1",
            "unit_id": f"C{1000 + i:07d}",
            "arm": "treatment" if i % 2 else "control",
            "assigned_at": _ts(T0),
        }
        for i in range(1, n + 1)
    ]


def events(n: int = 4) -> Rows:
    return [
        {
            "event_id": f"E{i:03d}",
            "name": f"Promotion {i}",
            "kind": "promotion",
            "start": _ts(T0 + dt.timedelta(days=7 * i)),
            "end": _ts(T0 + dt.timedelta(days=7 * i + 2)),
            "queues": "phone_orders,chat_support",
        }
        for i in range(1, n + 1)
    ]


def agents(n: int = 5) -> Rows:
    return [
        {
            "agent_id": f"A-PH{i:03d}",
            "team": "phone-team-1",
            "channel": "phone",
            "site": "Chengdu",
            "hired_on": f"2024-0{i}-01",
        }
        for i in range(1, n + 1)
    ]


def qa_scores(n: int = 5) -> Rows:
    dims = ("greeting", "accuracy", "empathy", "compliance", "resolution")
    return [
        {
            "contact_id": "K000001",
            "agent_id": "A-PH001",
            "scored_at": _ts(T0 + dt.timedelta(days=1)),
            "dimension": dims[i - 1],
            "score": f"{70 + i:.1f}",
        }
        for i in range(1, n + 1)
    ]


def queues(n: int = 4) -> Rows:
    return [
        {
            "queue": QUEUE_OF[c],
            "channel": c,
            "open_hour": "8" if c in ("phone", "chat") else "0",
            "close_hour": "21" if c in ("phone", "chat") else "24",
            "open_weekends": "true",
            "concurrency": "3" if c == "chat" else "1",
            "sl_seconds": "20.0",
            "sl_target": "0.8",
        }
        for c in CHANNELS[:n]
    ]


def targets(n: int = 3) -> Rows:
    kpis = ("fcr", "csat", "answer_rate")
    return [
        {
            "kpi": kpis[i],
            "scope": "all",
            "period": "monthly",
            "target": ("0.8", "4.2", "0.9")[i],
            "direction": ">=",
            "description": "",
        }
        for i in range(n)
    ]


def intervals(n: int = 4) -> Rows:
    """An interval report: half-hours of one phone queue, with every optional sum given."""
    return [
        {
            "queue": "phone_orders",
            "channel": "phone",
            "interval_start": _ts(T0 + dt.timedelta(minutes=30 * i)),
            "interval_minutes": "30",
            "offered": str(20 + i),
            "answered": str(18 + i),
            "abandoned": "2",
            "answered_within": str(15 + i),
            "sl_seconds": "20",
            "handle_seconds_total": str(180.0 * (18 + i)),
            "answered_wait_seconds_total": str(12.0 * (18 + i)),
            "abandoned_wait_seconds_total": "95.5",
            "agents_staffed": "6",
        }
        for i in range(n)
    ]


BASES: dict[str, Callable[..., Rows]] = {
    "contacts": contacts,
    "customers": customers,
    "surveys": surveys,
    "experiments": experiments,
    "assignments": assignments,
    "events": events,
    "agents": agents,
    "qa_scores": qa_scores,
    "queues": queues,
    "targets": targets,
    "intervals": intervals,
}


# -- writers ----------------------------------------------------------------------------------


def _csv_text(rows: Rows, columns: list[str] | None = None) -> str:
    columns = columns or list(rows[0])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _typed(rows: Rows, table: str) -> pl.DataFrame:
    """The rows as the canonical typed frame (what a Parquet export from a database holds)."""
    return validate(pl.DataFrame(rows, schema=list(rows[0])), table)


# -- the cases --------------------------------------------------------------------------------


@dataclass
class Case:
    file: str
    table: str
    rule: str  # what the file breaks, in words
    fragments: list[str]
    make: Callable[[Path], None]
    absent: list[str] = field(default_factory=list)


def set_value(rows: Rows, row: int, column: str, value: str) -> Rows:
    """A copy of ``rows`` with ``column`` of data row ``row`` (1-based) set to ``value``."""
    out = [dict(r) for r in rows]
    out[row - 1][column] = value
    return out


def csv_case(
    file: str,
    table: str,
    rule: str,
    fragments: list[str],
    rows: Rows | None = None,
    *,
    columns: list[str] | None = None,
    encoding: str = "utf-8",
    absent: list[str] | None = None,
) -> Case:
    def make(path: Path) -> None:
        path.write_bytes(_csv_text(rows, columns).encode(encoding))

    return Case(file, table, rule, [file, *fragments], make, absent or [])


def parquet_case(
    file: str, table: str, rule: str, fragments: list[str], frame: pl.DataFrame
) -> Case:
    return Case(file, table, rule, [file, *fragments], lambda path: frame.write_parquet(path))


def bytes_case(file: str, table: str, rule: str, fragments: list[str], data: bytes) -> Case:
    return Case(file, table, rule, [file, *fragments], lambda path: path.write_bytes(data))


def folder_case(file: str, table: str, rule: str, fragments: list[str]) -> Case:
    """A folder named like an export (with a note inside, so that git keeps it)."""

    def make(path: Path) -> None:
        path.mkdir()
        (path / "README").write_text("A folder named like a CSV export: ingest refuses it.\n")

    return Case(file, table, rule, [file, *fragments], make)


def _ragged(text: str, *, row: int) -> bytes:
    """The CSV text with two extra fields on data row ``row``."""
    lines = text.splitlines()
    lines[row] += ",extra,fields"
    return ("\n".join(lines) + "\n").encode()


def _extra_header(text: str, name: str, value: str) -> bytes:
    """The CSV text with one more column, ``name``, holding ``value`` on every row."""
    lines = text.splitlines()
    lines = [lines[0] + f",{name}", *(line + f",{value}" for line in lines[1:])]
    return ("\n".join(lines) + "\n").encode()


def _shift_row(rows: Rows, row: int, day: str) -> Rows:
    """A copy of ``rows`` with every timestamp of data row ``row`` moved to ``day``."""
    out = [dict(r) for r in rows]
    for column in ("arrived_at", "answered_at", "resolved_at"):
        if out[row - 1][column]:
            out[row - 1][column] = day + out[row - 1][column][10:]
    return out


def _row(n: int) -> str:
    return f"row {n}:"


def cases() -> list[Case]:
    c = contacts()
    raw_c3 = c[2]["customer_id"]
    out = [
        # contacts: every kind of rule
        csv_case(
            "contacts_missing_column.csv",
            "contacts",
            "a required column is absent",
            ["missing column", "'queue'"],
            c,
            columns=[k for k in c[0] if k != "queue"],
        ),
        csv_case(
            "contacts_wrong_type_wait.csv",
            "contacts",
            "text in a number column",
            ["'wait_seconds'", "is a number", _row(3), "'abc'"],
            set_value(c, 3, "wait_seconds", "abc"),
        ),
        csv_case(
            "contacts_fractional_transfers.csv",
            "contacts",
            "a fraction in a whole-number column",
            ["'transfers'", "is a whole number", _row(2)],
            set_value(c, 2, "transfers", "1.5"),
        ),
        csv_case(
            "contacts_bad_boolean.csv",
            "contacts",
            "a word that is not true or false",
            ["'abandoned'", "is true or false", _row(4), "'maybe'"],
            set_value(c, 4, "abandoned", "maybe"),
        ),
        csv_case(
            "contacts_channel_outside_set.csv",
            "contacts",
            "a channel outside its set",
            ["'channel'", "is one of", _row(2), "'fax'"],
            set_value(c, 2, "channel", "fax"),
        ),
        csv_case(
            "contacts_priority_outside_set.csv",
            "contacts",
            "a priority outside its set",
            ["'priority'", "is one of", _row(5), "'P4'"],
            set_value(c, 5, "priority", "P4"),
        ),
        csv_case(
            "contacts_complaint_type_outside_set.csv",
            "contacts",
            "a complaint type outside its set",
            ["'complaint_type'", "is one of", _row(6), "'rudeness'"],
            set_value(c, 6, "complaint_type", "rudeness"),
        ),
        csv_case(
            "contacts_csat_out_of_range.csv",
            "contacts",
            "a CSAT score above 5",
            ["'csat'", "is within 1 to 5", _row(1), "'7'"],
            set_value(c, 1, "csat", "7"),
        ),
        csv_case(
            "contacts_duplicate_id.csv",
            "contacts",
            "the same contact_id twice",
            ["'contact_id'", "is unique", _row(1), _row(4), "'K000001'"],
            set_value(c, 4, "contact_id", "K000001"),
        ),
        csv_case(
            "contacts_negative_wait.csv",
            "contacts",
            "a negative wait",
            ["'wait_seconds'", ">= 0", "no negative values", _row(2), "'-12.0'"],
            set_value(c, 2, "wait_seconds", "-12.0"),
        ),
        csv_case(
            "contacts_negative_handle.csv",
            "contacts",
            "a negative handle time",
            ["'handle_seconds'", ">= 0", _row(6), "'-300.0'"],
            set_value(c, 6, "handle_seconds", "-300.0"),
        ),
        csv_case(
            "contacts_answered_before_arrived.csv",
            "contacts",
            "answered before it arrived",
            ["answered_at must not be before arrived_at", _row(3), "'2026-03-01T08:00:00+08:00'"],
            set_value(c, 3, "answered_at", "2026-03-01T08:00:00+08:00"),
        ),
        csv_case(
            "contacts_resolved_before_arrived.csv",
            "contacts",
            "resolved before it arrived",
            ["resolved_at must not be before arrived_at", _row(4)],
            set_value(c, 4, "resolved_at", "2026-03-02T07:00:00+08:00"),
        ),
        csv_case(
            "contacts_abandoned_but_answered.csv",
            "contacts",
            "an abandoned contact with an answer time",
            ["an abandoned contact has no answered_at", _row(2)],
            set_value(c, 2, "abandoned", "true"),
        ),
        csv_case(
            "contacts_timestamp_without_zone.csv",
            "contacts",
            "a timestamp without time zone",
            ["'arrived_at'", "time zone", "without zone", _row(2), "'2026-03-02T08:14:00'"],
            set_value(c, 2, "arrived_at", "2026-03-02T08:14:00"),
        ),
        csv_case(
            "contacts_unparseable_timestamp.csv",
            "contacts",
            "a timestamp that does not parse",
            ["'arrived_at'", "parseable ISO 8601 timestamp", _row(5), "'31/02/2026 09:00'"],
            set_value(c, 5, "arrived_at", "31/02/2026 09:00"),
        ),
        csv_case(
            "contacts_impossible_date.csv",
            "contacts",
            "30 February",
            ["'answered_at'", "parseable ISO 8601 timestamp", _row(3)],
            set_value(c, 3, "answered_at", "2026-02-30T09:00:00+08:00"),
        ),
        csv_case(
            "contacts_blank_customer.csv",
            "contacts",
            "a blank customer id",
            ["'customer_id'", "has a value in every row", _row(3)],
            set_value(c, 3, "customer_id", ""),
            absent=[raw_c3],
        ),
        csv_case(
            "contacts_many_bad_rows.csv",
            "contacts",
            "thirty rows with a bad channel (only five are shown)",
            ["'channel'", "is one of", "in 30 row(s)", "first 5 shown", _row(1), _row(5)],
            [dict(r, channel="fax") for r in contacts(30)],
        ),
        csv_case(
            "contacts_gbk_channel.csv",
            "contacts",
            "a GBK export whose channel is Chinese text outside the set",
            ["'channel'", "is one of", _row(1), "'电话'"],
            [dict(r, channel="电话", category="账单") for r in c],
            encoding="gbk",
        ),
        bytes_case(
            "contacts_empty.csv",
            "contacts",
            "an empty file",
            ["the file is empty"],
            b"",
        ),
        csv_case(
            "contacts_header_only.csv",
            "contacts",
            "a header and no rows",
            ["header but no rows"],
            [],
            columns=list(c[0]),
        ),
        bytes_case(
            "contacts_not_parquet.parquet",
            "contacts",
            "bytes that are not Parquet",
            ["not a readable Parquet file"],
            b"contact_id,channel\nK1,phone\n",
        ),
        bytes_case(
            "contacts_ragged.csv",
            "contacts",
            "a CSV row with more fields than the header",
            ["not a well-formed CSV"],
            _ragged(_csv_text(c), row=2),
        ),
        parquet_case(
            "contacts_naive_datetime.parquet",
            "contacts",
            "a Parquet timestamp column without time zone",
            ["'arrived_at'", "time zone", "naive datetime", _row(1), "'2026-03-02 00:07:00'"],
            _typed(c, "contacts").with_columns(pl.col("arrived_at").dt.replace_time_zone(None)),
        ),
        parquet_case(
            "contacts_channel_outside_set.parquet",
            "contacts",
            "a channel outside its set, in Parquet",
            ["'channel'", "is one of", _row(6), "'sms'"],
            _typed(c, "contacts").with_columns(
                pl.when(pl.col("contact_id") == "K000006")
                .then(pl.lit("sms"))
                .otherwise(pl.col("channel"))
                .alias("channel")
            ),
        ),
        parquet_case(
            "contacts_nan_wait.parquet",
            "contacts",
            "NaN (a missing value, as pandas writes it) in a required number column",
            ["'wait_seconds'", "has a value in every row", _row(3)],
            _typed(c, "contacts").with_columns(
                pl.when(pl.col("contact_id") == "K000003")
                .then(float("nan"))
                .otherwise(pl.col("wait_seconds"))
                .alias("wait_seconds")
            ),
        ),
        csv_case(
            "contacts_infinite_wait.csv",
            "contacts",
            "an infinite wait",
            ["'wait_seconds'", "is a number", _row(2), "'inf'"],
            set_value(c, 2, "wait_seconds", "inf"),
        ),
        parquet_case(
            "contacts_header_only.parquet",
            "contacts",
            "a Parquet file with columns and no rows",
            ["header but no rows"],
            _typed(c, "contacts").head(0),
        ),
        # hostile inputs: numbers past the integer range, nested and Boolean columns, a header
        # naming a column twice, the far future, customers the store does not know
        csv_case(
            "contacts_transfers_overflow.csv",
            "contacts",
            "a whole number past the 64-bit range",
            ["'transfers'", "64-bit integer", _row(2), "'1e20'"],
            set_value(c, 2, "transfers", "1e20"),
        ),
        csv_case(
            "contacts_transfers_inexact.csv",
            "contacts",
            "2^53 + 1 written with a decimal point (a float cannot hold it)",
            ["'transfers'", "written in digits alone", "2^53", _row(4), "'9007199254740993.0'"],
            set_value(c, 4, "transfers", "9007199254740993.0"),
        ),
        parquet_case(
            "contacts_boolean_transfers.parquet",
            "contacts",
            "true/false in a whole-number column",
            ["'transfers'", "not true/false", "Boolean", _row(1)],
            _typed(c, "contacts").with_columns((pl.col("transfers") > 0).alias("transfers")),
        ),
        parquet_case(
            "contacts_list_channel.parquet",
            "contacts",
            "a list in a text column",
            ["'channel'", "one value per row", "List", _row(1)],
            _typed(c, "contacts").with_columns(pl.concat_list("channel").alias("channel")),
        ),
        bytes_case(
            "contacts_header_twice_after_trim.csv",
            "contacts",
            "a header naming a column twice once spaces are trimmed",
            ["'queue'", "twice", "columns 4 and 21", "spaces around names trimmed"],
            _extra_header(_csv_text(c), " queue ", "orders"),
        ),
        csv_case(
            "contacts_far_future.csv",
            "contacts",
            "a contact that arrives in 2099",
            ["'arrived_at'", "is not in the future", "ingest time", _row(5), "2099-03-02"],
            _shift_row(c, 5, "2099-03-02"),
        ),
        folder_case(
            "contacts_is_a_folder.csv",
            "contacts",
            "a folder named like a CSV export",
            ["a folder, not a file"],
        ),
        csv_case(
            "contacts_unknown_customer.csv",
            "contacts",
            "a customer the store's customers table does not hold (ids masked)",
            ["'customer_id'", "customers table in the store", _row(3), masked("C9999999")],
            set_value(c, 3, "customer_id", "C9999999"),
            absent=["C9999999"],
        ),
    ]
    # customers
    cu = customers()
    out += [
        csv_case(
            "customers_missing_column.csv",
            "customers",
            "a required column is absent",
            ["missing column", "'segment'"],
            cu,
            columns=[k for k in cu[0] if k != "segment"],
        ),
        csv_case(
            "customers_duplicate_id.csv",
            "customers",
            "the same customer twice (ids shown masked)",
            ["'customer_id'", "is unique", _row(2), _row(5), masked(cu[1]["customer_id"])],
            set_value(cu, 5, "customer_id", cu[1]["customer_id"]),
            absent=[cu[1]["customer_id"]],
        ),
        csv_case(
            "customers_segment_outside_set.csv",
            "customers",
            "a segment outside its set",
            ["'segment'", "is one of", _row(3), "'vip'", masked(cu[2]["customer_id"])],
            set_value(cu, 3, "segment", "vip"),
            absent=[cu[2]["customer_id"]],
        ),
        csv_case(
            "customers_negative_value.csv",
            "customers",
            "a negative monthly value",
            ["'monthly_value'", ">= 0", _row(4)],
            set_value(cu, 4, "monthly_value", "-10.00"),
        ),
        csv_case(
            "customers_unparseable_date.csv",
            "customers",
            "a signup date that does not parse",
            ["'signup_date'", "parseable date", _row(1), "'2025-13-01'"],
            set_value(cu, 1, "signup_date", "2025-13-01"),
        ),
        csv_case(
            "customers_churn_before_signup.csv",
            "customers",
            "churned before signing up",
            ["churn_date must not be before signup_date", _row(2), masked(cu[1]["customer_id"])],
            set_value(cu, 2, "churn_date", "2024-01-01"),
            absent=[cu[1]["customer_id"]],
        ),
        csv_case(
            "customers_gbk_segment.csv",
            "customers",
            "a GBK export with a Chinese segment",
            ["'segment'", "is one of", _row(1), "'企业'"],
            [dict(r, segment="企业", region="上海") for r in cu],
            encoding="gbk",
        ),
        csv_case(
            "customers_header_only.csv",
            "customers",
            "a header and no rows",
            ["header but no rows"],
            [],
            columns=list(cu[0]),
        ),
        parquet_case(
            "customers_signup_is_timestamp.parquet",
            "customers",
            "a timestamp where a date belongs",
            ["'signup_date'", "calendar date", _row(1)],
            _typed(cu, "customers").with_columns(pl.col("signup_date").cast(pl.Datetime("us"))),
        ),
    ]
    # surveys
    s = surveys()
    out += [
        csv_case(
            "surveys_nps_out_of_range.csv",
            "surveys",
            "an NPS of 11",
            ["'nps'", "is within 0 to 10", _row(4), "'11'"],
            set_value(s, 4, "nps", "11"),
        ),
        csv_case(
            "surveys_duplicate_id.csv",
            "surveys",
            "the same survey twice",
            ["'survey_id'", "is unique", _row(1), _row(3)],
            set_value(s, 3, "survey_id", s[0]["survey_id"]),
        ),
        csv_case(
            "surveys_timestamp_without_zone.csv",
            "surveys",
            "a response time without time zone",
            ["'responded_at'", "without zone", _row(6)],
            set_value(s, 6, "responded_at", "2026-03-02 14:00:00"),
        ),
        csv_case(
            "surveys_rating_wrong_type.csv",
            "surveys",
            "a word in a rating column",
            ["'rating_agent'", "is a whole number", _row(2), "'good'"],
            set_value(s, 2, "rating_agent", "good"),
        ),
        csv_case(
            "surveys_missing_column.csv",
            "surveys",
            "a required column is absent",
            ["missing column", "'nps'"],
            s,
            columns=[k for k in s[0] if k != "nps"],
        ),
        bytes_case(
            "surveys_empty.csv",
            "surveys",
            "a file of blank lines",
            ["the file is empty"],
            b"\n\n  \n",
        ),
    ]
    # experiments and assignments
    e = experiments()
    a = assignments()
    out += [
        csv_case(
            "experiments_kind_outside_set.csv",
            "experiments",
            "an experiment kind outside its set",
            ["'kind'", "is one of", _row(2), "'multivariate'"],
            set_value(e, 2, "kind", "multivariate"),
        ),
        csv_case(
            "experiments_end_before_start.csv",
            "experiments",
            "an experiment that ends before it starts",
            ["end must not be before start", _row(3)],
            set_value(e, 3, "end", "2026-01-01T00:00:00+08:00"),
        ),
        csv_case(
            "assignments_duplicate_unit.csv",
            "assignments",
            "a unit assigned twice in one experiment (unit ids masked)",
            ["(experiment_id, unit_id) is unique", _row(1), _row(4), masked(a[0]["unit_id"])],
            set_value(a, 4, "unit_id", a[0]["unit_id"]),
            absent=[a[0]["unit_id"]],
        ),
        csv_case(
            "assignments_missing_column.csv",
            "assignments",
            "a required column is absent",
            ["missing column", "'arm'"],
            a,
            columns=[k for k in a[0] if k != "arm"],
        ),
        csv_case(
            "assignments_unparseable_timestamp.csv",
            "assignments",
            "an assignment time that does not parse",
            ["'assigned_at'", "parseable ISO 8601 timestamp", _row(5), "'soon'"],
            set_value(a, 5, "assigned_at", "soon"),
            absent=[a[4]["unit_id"]],
        ),
    ]
    # events, agents, qa_scores, queues, targets
    ev, ag, qa, q, tg = events(), agents(), qa_scores(), queues(), targets()
    iv = intervals()
    out += [
        csv_case(
            "events_kind_outside_set.csv",
            "events",
            "an event kind outside its set",
            ["'kind'", "is one of", _row(1), "'festival'"],
            set_value(ev, 1, "kind", "festival"),
        ),
        csv_case(
            "events_end_before_start.csv",
            "events",
            "an event that ends before it starts",
            ["end must not be before start", _row(2)],
            set_value(ev, 2, "end", "2026-03-01T00:00:00+08:00"),
        ),
        csv_case(
            "events_timestamp_without_zone.csv",
            "events",
            "an event start without time zone",
            ["'start'", "without zone", _row(3)],
            set_value(ev, 3, "start", "2026-03-23T00:00:00"),
        ),
        csv_case(
            "agents_channel_outside_set.csv",
            "agents",
            "an agent channel outside its set",
            ["'channel'", "is one of", _row(2), "'video'"],
            set_value(ag, 2, "channel", "video"),
        ),
        parquet_case(
            "agents_duplicate_id.parquet",
            "agents",
            "the same agent twice, in Parquet",
            ["'agent_id'", "is unique", _row(1), _row(3)],
            pl.DataFrame(set_value(ag, 3, "agent_id", ag[0]["agent_id"])).with_columns(
                pl.col("hired_on").str.to_date()
            ),
        ),
        csv_case(
            "agents_unparseable_date.csv",
            "agents",
            "a hire date that does not parse",
            ["'hired_on'", "parseable date", _row(4), "'last spring'"],
            set_value(ag, 4, "hired_on", "last spring"),
        ),
        csv_case(
            "qa_scores_out_of_range.csv",
            "qa_scores",
            "a QA score above 100",
            ["'score'", "is within 0 to 100", _row(3), "'120.0'"],
            set_value(qa, 3, "score", "120.0"),
        ),
        csv_case(
            "qa_scores_dimension_outside_set.csv",
            "qa_scores",
            "a QA dimension outside its set",
            ["'dimension'", "is one of", _row(5), "'tone'"],
            set_value(qa, 5, "dimension", "tone"),
        ),
        csv_case(
            "queues_open_hour_out_of_range.csv",
            "queues",
            "an opening hour of 25",
            ["'open_hour'", "is within 0 to 24", _row(1), "'25'"],
            set_value(q, 1, "open_hour", "25"),
        ),
        csv_case(
            "queues_bad_boolean.csv",
            "queues",
            "a word that is not true or false",
            ["'open_weekends'", "is true or false", _row(2), "'sometimes'"],
            set_value(q, 2, "open_weekends", "sometimes"),
        ),
        csv_case(
            "targets_direction_outside_set.csv",
            "targets",
            "a target direction outside its set",
            ["'direction'", "is one of", _row(2), "'=>'"],
            set_value(tg, 2, "direction", "=>"),
        ),
        csv_case(
            "targets_duplicate_key.csv",
            "targets",
            "the same KPI, scope and period twice",
            ["(kpi, scope, period) is unique", _row(1), _row(3)],
            set_value(tg, 3, "kpi", "fcr"),
        ),
        csv_case(
            "targets_wrong_type.csv",
            "targets",
            "a percentage sign in a number column",
            ["'target'", "is a number", _row(1), "'80%'"],
            set_value(tg, 1, "target", "80%"),
        ),
        csv_case(
            "intervals_more_handled_than_offered.csv",
            "intervals",
            "more contacts answered and abandoned than offered in an interval",
            ["answered and abandoned in an interval are at most those offered", "offered", _row(2)],
            set_value(iv, 2, "answered", "40"),
        ),
        csv_case(
            "intervals_within_above_answered.csv",
            "intervals",
            "more answered within the threshold than answered",
            ["answered_within must not exceed answered", _row(3), "answered_within='99'"],
            set_value(iv, 3, "answered_within", "99"),
        ),
        csv_case(
            "intervals_odd_length.csv",
            "intervals",
            "an interval length that does not divide an hour",
            ["'interval_minutes'", _row(1), "'7'"],
            set_value(iv, 1, "interval_minutes", "7"),
        ),
        csv_case(
            "intervals_duplicate_interval.csv",
            "intervals",
            "the same queue and interval twice",
            ["(queue, interval_start) is unique", _row(1), _row(2)],
            set_value(iv, 2, "interval_start", iv[0]["interval_start"]),
        ),
        csv_case(
            "intervals_negative_wait.csv",
            "intervals",
            "a negative wait total",
            ["'answered_wait_seconds_total'", _row(4), "'-12.0'"],
            set_value(iv, 4, "answered_wait_seconds_total", "-12.0"),
        ),
    ]
    return out


def check_bases() -> None:
    """Every base table passes validation, so each case breaks only the rule it names."""
    for table, base in BASES.items():
        validate(pl.DataFrame(base(), schema=list(base()[0])), table, source=f"base {table}")
    assert set(BASES) == set(TABLES)


def build(folder: Path = CORPUS) -> list[Case]:
    check_bases()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    all_cases = cases()
    names = [case.file for case in all_cases]
    assert len(names) == len(set(names)), "file names repeat"
    for case in all_cases:
        case.make(folder / case.file)
    listing = [
        {
            "file": case.file,
            "table": case.table,
            "rule": case.rule,
            "fragments": case.fragments,
            **({"absent": case.absent} if case.absent else {}),
        }
        for case in all_cases
    ]
    header = (
        "# The corpus of malformed inputs: each file, its table, what it breaks, the fragments\n"
        "# the refusal message must contain and the raw values it must not show.\n"
        "# Written by tests/data/make_corpus.py; do not edit by hand.\n"
    )
    (folder / "cases.yaml").write_text(
        header + yaml.safe_dump(listing, allow_unicode=True, sort_keys=False, width=100),
        encoding="utf-8",
    )
    return all_cases


if __name__ == "__main__":
    built = build()
    print(f"wrote {len(built)} malformed files and cases.yaml to {CORPUS}")
