"""The synthetic workspace: a realistic service department's data with the truth it plants.

``generate(seed=7, size="default")`` simulates every canonical table, writes them as raw exports
under ``data/raw/synthetic/<size>-seed<seed>-<country>-v<version>/`` with ``truth.json`` (every
planted quantity), then ingests them through the same validation door as any export. The same seed
gives the same bytes.

Both steps go one month at a time: the contacts are simulated, exported and freed month by month
(only the customers, the 90-day history that drives churn and a few numbers per answered contact
cross months), and the store reads each month back, validates and partitions it; so memory holds
about one month of contacts, and the ``xlarge`` size (100 million contacts) peaks at about 9 GB.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import polars as pl

from cxlab._config import Settings, settings
from cxlab._errors import OptionError
from cxlab._options import check_option
from cxlab.data._schemas import TABLES
from cxlab.data._store import store_tables
from cxlab.data._synth import _calendar as C
from cxlab.data._synth import _experiments as X
from cxlab.data._synth import _notes as N
from cxlab.data._synth import _surveys as S
from cxlab.data._synth import _world as W
from cxlab.data._synth._config import (
    CURRENCIES,
    QUEUES,
    REGIONS,
    Country,
    Size,
    SynthConfig,
)
from cxlab.data._synth._export import RawExport, validated_parts

GENERATOR_VERSION = 5
LABELS_FILE = "truth_labels.parquet"
SIMULATED = tuple(name for name in TABLES if name != "intervals")
"""The tables the simulator writes: every contact is simulated, so there is no interval report."""

QA_RATE = {"phone": 0.03, "chat": 0.05, "email": 0.05, "social": 0.10}
QA_OFFSET = {
    "greeting": 6.0,
    "accuracy": 0.0,
    "empathy": -3.0,
    "compliance": 4.0,
    "resolution": -5.0,
}

TARGETS = [
    ("fcr", "all", "monthly", 0.80, ">=", "First-contact resolution at least 80%"),
    ("csat", "all", "monthly", 4.2, ">=", "Average CSAT at least 4.2 of 5"),
    ("answer_rate", "channel=phone", "monthly", 0.90, ">=", "Answer at least 90% of calls"),
    (
        "service_level",
        "channel=phone",
        "monthly",
        0.80,
        ">=",
        "80% of calls answered within 20 seconds",
    ),
    (
        "service_level",
        "channel=chat",
        "monthly",
        0.80,
        ">=",
        "80% of chats answered within 60 seconds",
    ),
    ("abandonment_rate", "channel=phone", "monthly", 0.08, "<=", "At most 8% of calls abandoned"),
    ("resolution_within", "all", "monthly", 0.90, ">=", "90% of issues solved within 24 hours"),
    (
        "sla_answered",
        "priority=P1",
        "monthly",
        0.95,
        ">=",
        "95% of P1 contacts answered within 5 minutes",
    ),
    ("complaint_rate", "all", "monthly", 0.10, "<=", "Complaints at most 10% of contacts"),
    ("nps", "all", "monthly", 20.0, ">=", "NPS at least +20"),
    ("retention", "all", "yearly", 0.85, ">=", "Keep at least 85% of customers over a year"),
]


def _utc(x: np.ndarray) -> pl.Series:
    return pl.Series(x.astype("datetime64[us]")).dt.replace_time_zone("UTC")


def _masked(values: np.ndarray, missing: np.ndarray) -> pl.Series:
    """A polars Series of ``values`` with nulls where ``missing`` is true."""
    return pl.Series(values).scatter(np.flatnonzero(missing), None)


def _ts(x: np.datetime64) -> str:
    return str(x.astype("datetime64[s]")) + "Z"


def generate(
    *,
    seed: int = 7,
    size: Size = "default",
    country: Country = "CN",
    end: dt.date | None = None,
    months: int | None = None,
    workspace: str | os.PathLike | Settings | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Generate the synthetic workspace and ingest it into the store.

    Parameters
    ----------
    seed
        Random seed; the same seed (and size, country, end) gives the same bytes.
    size
        ``"tiny"`` (seconds, for tests), ``"default"`` (the demo: 24 months, 20,000 customers,
        about 520,000 contacts), ``"large"`` (24 months, about 10 million contacts: under three
        minutes, 1.6 GB of memory, 1 GB of disk) or ``"xlarge"`` (36 months, 2.8 million
        customers, about 100 million contacts: about 22 minutes, 9 GB of
        memory, 6 GB of disk before the contact notes, which add about half of the time and
        disk; 9 GB of disk while it replaces an earlier one).
    country
        Public holidays, regions and time zone (``"CN"`` or ``"US"``).
    end
        The last day of data (default 2026-10-31).
    months
        How many months end on ``end`` (the size's own number unless given; 1 to 60): the
        customers and their contact rate stay those of the size.
    workspace
        The workspace folder (the current one by default).
    force
        Simulate again even if the raw export of this seed already exists.

    Returns
    -------
    dict
        Rows per table, the raw folder and the path of ``truth.json``.

    Examples
    --------
    >>> import cxlab as cx
    >>> cx.data.generate(seed=1, size="tiny", workspace="/tmp/cx-demo")  # doctest: +SKIP
    """
    check_option("size", size, Size)
    check_option("country", country, Country)
    if months is not None and (
        isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 60
    ):
        raise OptionError(f"months = {months!r}: expected a whole number of months from 1 to 60.")
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    config = SynthConfig(
        seed=seed, size=size, country=country, months=months, **({"end": end} if end else {})
    )
    say = progress or (lambda _msg: None)
    raw = (
        ws.raw_dir
        / "synthetic"
        / (
            f"{size}-seed{seed}-{country}-{config.end:%Y%m%d}"
            + (f"-{months}m" if months is not None else "")
            + f"-v{GENERATOR_VERSION}"
        )
    )
    if force or not (raw / "truth.json").exists():
        staging = raw.with_name(raw.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        export = RawExport(staging)
        try:
            truth = simulate(config, say, export)
        finally:
            export.close()
        (staging / "truth.json").write_text(
            json.dumps(truth, indent=2, ensure_ascii=False, sort_keys=True)
        )
        if raw.exists():
            shutil.rmtree(raw)
        os.replace(staging, raw)
    else:
        say(f"reusing the raw export in {raw}")
    planted = read_truth(raw / "truth.json", config)  # before anything is stored
    say("validating and storing")
    rows = {}
    with store_tables(ws) as store:  # every table is validated before any is swapped in
        for name in SIMULATED:
            path = raw / f"{name}.parquet"
            rows[name] = store.write(
                name, validated_parts(path, name, f"{raw.name}/{name}.parquet"), source=str(path)
            )
    ws.processed_dir.mkdir(parents=True, exist_ok=True)
    partial = ws.processed_dir / f".{LABELS_FILE}.partial"
    shutil.copyfile(raw / LABELS_FILE, partial)
    os.replace(partial, ws.processed_dir / LABELS_FILE)
    partial = ws.processed_dir / ".truth.json.partial"
    partial.write_text(planted, encoding="utf-8")
    os.replace(partial, ws.processed_dir / "truth.json")
    (ws.workspace / "cxlab.toml").exists() or (ws.workspace / "cxlab.toml").write_text(
        f'[workspace]\ntime_zone = "{config.time_zone}"\ncountry = "{country}"\n'
        f'currency = "{CURRENCIES[country]}"\n'
        f'language = "{"zh" if country == "CN" else "en"}"  # reports: "zh" or "en"\n'
        + SHIFTS_EXAMPLE
    )
    return {
        "raw": str(raw),
        "truth": str(ws.processed_dir / "truth.json"),
        "rows": rows,
    }


SHIFTS_EXAMPLE = """
# The shift and roster rules of the forecast report (cx.staffing.shift_rules); without this
# section, those of a Chinese service centre. Uncomment [shifts] and a key to change it.
# [shifts]
# lengths = [8, 4]             # hours, breaks included
# earliest_start = "07:00"     # first and last start, every start_every
# latest_start = "16:00"
# start_every = "30m"
# cost_per_hour = 50           # a paid full-time hour, in the currency above
# part_time_cost_per_hour = 35
# max_part_time_share = 0.3
# max_consecutive_days = 6     # the roster: most days in a row
# min_rest_hours = 11          # the roster: least rest between two shifts
# [[shifts.breaks]]            # giving breaks replaces all the default breaks
# minutes = 15                 # a paid rest
# window = [90, 150]           # earliest and latest start, minutes into the shift
# [[shifts.breaks]]
# minutes = 60                 # the meal
# window = [210, 270]
# paid = false
# min_shift_hours = 6          # only shifts this long have it
# [[shifts.breaks]]
# minutes = 15
# window = [360, 420]
# min_shift_hours = 6
"""


TRUTH_KEYS = (
    "arrivals",
    "churn",
    "csat",
    "experiments",
    "fcr",
    "kpi_drift",
    "notes",
    "nps",
    "queues",
)


def read_truth(path: Path, config: SynthConfig) -> str:
    """The text of a raw ``truth.json``, checked before it is copied to the store: UTF-8 JSON, an
    object with every planted section, written by this seed, size, country and generator.

    A corrupt file is refused (never copied): the raw export is not modified, and
    ``cxlab data generate --force`` simulates it again.
    """
    from cxlab._errors import WorkspaceError

    fix = "run `cxlab data generate --force` with the same seed and size to simulate it again"
    try:
        text = path.read_bytes().decode("utf-8")
        value = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WorkspaceError(f"{path} is corrupt ({exc}); nothing was stored; {fix}.") from None
    if not isinstance(value, dict):
        raise WorkspaceError(f"{path} is not a JSON object; nothing was stored; {fix}.")
    missing = [k for k in TRUTH_KEYS if not isinstance(value.get(k), dict | list)]
    if missing:
        raise WorkspaceError(
            f"{path} lacks the planted {', '.join(missing)}; nothing was stored; {fix}."
        )
    expected = {
        "seed": config.seed,
        "size": config.size,
        "country": config.country,
        "generator_version": GENERATOR_VERSION,
    }
    wrong = [
        f"{k} = {value.get(k)!r} (expected {v!r})" for k, v in expected.items() if value.get(k) != v
    ]
    if wrong:
        raise WorkspaceError(
            f"{path} belongs to another workspace: {'; '.join(wrong)}; nothing was stored; {fix}."
        )
    return text


def truth(workspace: str | os.PathLike | Settings | None = None) -> dict:
    """The planted truth of the synthetic workspace in the store (``truth.json``)."""
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    path = ws.processed_dir / "truth.json"
    if not path.exists():
        from cxlab._errors import WorkspaceError

        raise WorkspaceError(
            f"no truth.json in {ws.processed_dir}: the store does not hold a synthetic workspace."
        )
    return json.loads(path.read_text())


def true_labels(workspace: str | os.PathLike | Settings | None = None) -> pl.DataFrame:
    """The true labels of every contact of the synthetic workspace in the store.

    The contacts table stores the category path an agent chose, which is wrong for a planted
    share (``truth()["notes"]["manual_error_rate"]``); this gives, per ``contact_id``, the true
    ``category``, ``category_l2``, ``category_l3``, the customer's ``emotion`` (angry, anxious,
    neutral, satisfied) and the ``language`` of the note (zh or en).
    """
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    path = ws.processed_dir / LABELS_FILE
    if not path.exists():
        from cxlab._errors import WorkspaceError

        raise WorkspaceError(
            f"no {LABELS_FILE} in {ws.processed_dir}: the store does not hold a synthetic "
            "workspace of generator version 4 or later; run `cxlab data generate`."
        )
    return pl.read_parquet(path)


def simulate(config: SynthConfig, say: Callable[[str], None], export: RawExport) -> dict:
    """Simulate every table into ``export`` and return the truth it plants.

    The contacts are written one month at a time as they are simulated, and the QA scores one
    month at a time after them; what the surveys and QA scores need of every answered contact
    is kept as a few numbers per contact (:class:`_Answered`).
    """
    rng = np.random.default_rng(config.seed)
    regions = REGIONS[config.country]
    say("calendar, holidays and events")
    grid = C.build_grid(config)
    events = C.holiday_events(config) + C.business_events(config)
    rates = C.arrival_rates(config, grid, events)
    plain = C.arrival_rates(config, grid, [e for e in events if e.kind == "holiday"])
    plan = X.make_plan(config, regions, rng)
    say("customers, queues and contacts")
    cust, staffing, agents = W.population(config, rng, grid, rates, plain)
    answered = _Answered()
    note_rng, tally = N.rng_for(config.seed), N.Tally()

    def emit(k: dict[str, np.ndarray]) -> None:
        first = answered.contacts + 1
        note, labels = N.month(note_rng, k, cust.region[k["customer"]], config.country, tally)
        manual = labels.pop("manual")
        true = {c: k[c] for c in ("category", "category_l2", "category_l3")}
        for j, c in enumerate(true):  # the contacts table stores the manual labels
            k[c] = manual[:, j]
        ids = _contact_ids(np.arange(first - 1, first - 1 + len(k["arrived"])))
        export.write("contacts", _contacts(k, first, cust, agents, regions).with_columns(note))
        export.write(
            "truth_labels",
            pl.DataFrame(
                {"contact_id": ids, **{c: _text(v) for c, v in labels.items()}},
            ),
        )
        del note, labels, manual, true, ids
        answered.add(k, first)
        k.clear()

    sample, arms = W.simulate(config, rng, grid, rates, cust, staffing, agents, events, plan, emit)
    kept = answered.finish()

    say("surveys and comments")
    surveys, nps_truth = _surveys(config, rng, kept, cust, grid)
    for part in _by_month(surveys, "responded_at"):
        export.write("surveys", part)
    del surveys
    W.release_memory()
    say("experiments, events, agents and QA")
    export.write(
        "customers",
        pl.DataFrame(
            {
                "customer_id": cust.ids,
                "segment": cust.segment,
                "value_tier": cust.tier,
                "region": np.array(regions)[cust.region],
                "contract": cust.contract,
                "monthly_value": cust.monthly_value,
                "signup_date": cust.signup.astype("datetime64[D]"),
                "churn_date": cust.churn.astype("datetime64[D]"),
                "downgrade_date": cust.downgrade.astype("datetime64[D]"),
            }
        ),
    )
    experiments = pl.DataFrame(X.registry_rows(plan)).with_columns(
        pl.col("start").dt.replace_time_zone("UTC")
        if pl.DataFrame(X.registry_rows(plan))["start"].dtype.time_zone is None
        else pl.col("start"),
    )
    export.write("experiments", experiments)
    export.write("assignments", _assignments(plan, cust, agents, arms, regions))
    export.write(
        "events",
        pl.DataFrame(
            {
                "event_id": [e.event_id for e in events],
                "name": [e.name for e in events],
                "kind": [e.kind for e in events],
                "start": [e.start.astimezone(dt.UTC) for e in events],
                "end": [e.end.astimezone(dt.UTC) for e in events],
                "queues": [";".join(e.queues) for e in events],
            }
        ).with_columns(pl.col("start", "end").dt.convert_time_zone("UTC").dt.cast_time_unit("us")),
    )
    export.write(
        "agents",
        pl.DataFrame(
            {
                "agent_id": agents.ids,
                "team": agents.team,
                "channel": agents.channel,
                "site": agents.site,
                "hired_on": pl.Series(list(agents.hired_on), dtype=pl.Date),
            }
        ),
    )
    for part in _qa(rng, kept, agents):
        export.write("qa_scores", part)
    del kept
    W.release_memory()
    export.write(
        "queues",
        pl.DataFrame(
            {
                "queue": [q.queue for q in QUEUES],
                "channel": [q.channel for q in QUEUES],
                "open_hour": [q.open_hour for q in QUEUES],
                "close_hour": [q.close_hour for q in QUEUES],
                "open_weekends": [True] * len(QUEUES),
                "concurrency": [q.concurrency for q in QUEUES],
                "sl_seconds": [float(q.sl_seconds) for q in QUEUES],
                "sl_target": [q.sl_target for q in QUEUES],
            }
        ),
    )
    export.write(
        "targets",
        pl.DataFrame(
            TARGETS,
            schema=["kpi", "scope", "period", "target", "direction", "description"],
            orient="row",
        ),
    )
    out = _truth(config, rates, events, plan, sample, nps_truth, regions)
    out["notes"] = N.truth(config.country, tally, LABELS_FILE)
    return out


def _text(values: np.ndarray) -> pl.Series:
    """A text column from an object array of strings (without a fixed-width copy of it)."""
    return pl.Series(values, dtype=pl.Utf8)


def _contact_ids(rows: np.ndarray) -> pl.Series:
    """The contact ids of rows (from 0) of the contacts table: ``K000000001``..."""
    return "K" + pl.Series(rows.astype(np.int64) + 1).cast(pl.Utf8).str.zfill(9)


def _contacts(
    k: dict[str, np.ndarray],
    first: int,
    cust: W.Customers,
    agents: W.Agents,
    regions: tuple[str, ...],
) -> pl.DataFrame:
    """One month of the contacts table; its contact ids count on from ``first``."""
    return pl.DataFrame(
        {
            "contact_id": _contact_ids(np.arange(first - 1, first - 1 + len(k["arrived"]))),
            "customer_id": cust.ids[k["customer"]],
            "channel": k["channel"].astype(str),
            "queue": np.array([q.queue for q in QUEUES])[k["queue"]],
            "category": _text(k["category"]),
            "category_l2": _text(k["category_l2"]),
            "category_l3": _text(k["category_l3"]),
            "complaint_type": _text(k["complaint"]).replace("", None),
            "priority": k["priority"].astype(str),
            "region": np.array(regions)[cust.region[k["customer"]]],
            "arrived_at": _utc(k["arrived"]),
            "answered_at": _utc(k["answered_at"]),
            "resolved_at": _utc(k["resolved"]),
            "abandoned": k["abandoned"],
            "wait_seconds": k["wait"].astype(float),
            "handle_seconds": k["handle"].astype(float),
            "agent_id": _masked(agents.ids[np.maximum(k["agent"], 0)], k["agent"] < 0),
            "first_contact_resolution": _masked(k["fcr"] == 1, k["fcr"] < 0),
            "transfers": k["transfers"].astype(np.int64),
            "csat": _masked(k["csat"].astype(np.int64), k["csat"] <= 0),
        }
    ).with_columns(pl.col("handle_seconds").fill_nan(None))


class _Answered:
    """What the surveys and QA scores need of every contact answered (or given an agent), in
    the order of the contacts table: its row (from 0), answer time, customer, queue, agent
    and whether it is a complaint; about 24 bytes a contact instead of the whole row."""

    def __init__(self) -> None:
        self.contacts = 0
        self.parts: dict[str, list[np.ndarray]] = {}

    def add(self, k: dict[str, np.ndarray], first: int) -> None:
        n = len(k["arrived"])
        keep = ~np.isnat(k["answered_at"]) | (k["agent"] >= 0)
        columns = {
            "row": first - 1 + np.flatnonzero(keep),
            "answered_at": k["answered_at"][keep],
            "customer": k["customer"][keep].astype(np.int32),
            "queue": k["queue"][keep].astype(np.int8),
            "agent": k["agent"][keep].astype(np.int32),
            "complaint": k["complaint"][keep] != "",
        }
        for key, values in columns.items():
            self.parts.setdefault(key, []).append(values)
        self.contacts += n

    def finish(self) -> dict[str, np.ndarray]:
        out = {}
        for key in list(self.parts):
            out[key] = np.concatenate(self.parts.pop(key))
        return out


def _below(rng: np.random.Generator, p: float | np.ndarray, n: int) -> np.ndarray:
    """``rng.random(n) < p``, drawn in pieces (the same numbers) to hold fewer floats at once."""
    step = 1 << 22
    out = np.empty(n, bool)
    for i in range(0, n, step):
        j = min(i + step, n)
        out[i:j] = rng.random(j - i) < (p if np.isscalar(p) else p[i:j])
    return out


def _by_month(frame: pl.DataFrame, column: str) -> list[pl.DataFrame]:
    """``frame`` cut into its UTC months of ``column`` (in the frame's order within each)."""
    month = pl.col(column).dt.strftime("%Y-%m").alias("__month")
    return [
        part.drop("__month")
        for part in frame.with_columns(month).partition_by("__month", maintain_order=True)
    ]


def _assignments(
    plan: X.Plan, cust: W.Customers, agents: W.Agents, arms: dict, regions: tuple[str, ...]
) -> pl.DataFrame:
    rows = []
    active = (cust.signup < plan.ab_start) & (np.isnat(cust.churn) | (cust.churn >= plan.ab_start))
    arm = np.where(arms["ab_treated"], "treatment", "control")
    rows.append(
        pl.DataFrame(
            {
                "experiment_id": plan.ab_id,
                "unit_id": cust.ids[active],
                "arm": arm[active],
                "assigned_at": _utc(np.full(active.sum(), plan.ab_start)),
            }
        )
    )
    rows.append(
        pl.DataFrame(
            {
                "experiment_id": plan.agent_id,
                "unit_id": agents.ids,
                "arm": np.where(arms["agent_treated"], "treatment", "control"),
                "assigned_at": _utc(np.full(len(agents.ids), plan.agent_start)),
            }
        )
    )
    first = min(plan.pilot_cohorts.values())
    rows.append(
        pl.DataFrame(
            {
                "experiment_id": plan.pilot_id,
                "unit_id": list(regions),
                "arm": ["treatment" if r in plan.pilot_cohorts else "control" for r in regions],
                "assigned_at": _utc(np.array([plan.pilot_cohorts.get(r, first) for r in regions])),
            }
        )
    )
    rows.append(
        pl.DataFrame(
            {
                "experiment_id": plan.sc_id,
                "unit_id": list(regions),
                "arm": ["treatment" if r == plan.sc_region else "control" for r in regions],
                "assigned_at": _utc(np.full(len(regions), plan.sc_start)),
            }
        )
    )
    rows.append(
        pl.DataFrame(
            {
                "experiment_id": plan.its_id,
                "unit_id": list(regions),
                "arm": ["treatment"] * len(regions),
                "assigned_at": _utc(np.full(len(regions), plan.its_start)),
            }
        )
    )
    return pl.concat(rows)


def _surveys(
    config: SynthConfig,
    rng: np.random.Generator,
    kept: dict[str, np.ndarray],
    cust: W.Customers,
    grid: C.Grid,
) -> tuple[pl.DataFrame, dict]:
    answered = np.flatnonzero(~np.isnat(kept["answered_at"]))
    picked = answered[_below(rng, S.INVITE_RATE, len(answered))]
    del answered
    row, at, customer = (kept[k][picked] for k in ("row", "answered_at", "customer"))
    m = len(row)
    delay = (rng.exponential(1.2, m) * 86400e6).astype("timedelta64[us]")
    responded = at + delay
    end = grid.start_utc[-1]
    keep = responded < end
    row, customer, responded = row[keep], customer[keep], responded[keep]
    m = len(row)
    enterprise = (cust.segment[customer] == "enterprise").astype(float)
    span = grid.start_utc[-1] - grid.start_utc[0]
    shift_at = grid.start_utc[0] + (span * S.REGIME_AT).astype("timedelta64[D]").astype(
        "timedelta64[us]"
    )
    shift_at = shift_at.astype("datetime64[M]").astype(
        "datetime64[us]"
    )  # from the first of a month
    shifted = (responded >= shift_at).astype(float)
    ratings = S.draw_ratings(rng, m)
    nps = S.draw_nps(rng, S.nps_mean(ratings, enterprise, shifted))
    zh_share = 0.6 if config.country == "CN" else 0.1
    language = np.where(rng.random(m) < zh_share, "zh", "en")
    text, themes = S.comments(rng, nps, language)
    missing = rng.random((m, len(S.RATINGS))) < S.MISSING_RATING
    missing[:, :2] = False  # wait time and resolution are always asked
    frame = pl.DataFrame(
        {
            "survey_id": "S" + pl.Series(np.arange(1, m + 1)).cast(pl.Utf8).str.zfill(8),
            "customer_id": cust.ids[customer],
            "contact_id": _contact_ids(row),
            "responded_at": _utc(responded),
            "nps": nps.astype(np.int64),
            **{
                r: _masked(ratings[:, i].astype(np.int64), missing[:, i])
                for i, r in enumerate(S.RATINGS)
            },
            "comment": _text(text).replace("", None),
            "language": _masked(language.astype(str), text == ""),
        }
    ).sort("responded_at")
    frame = frame.with_columns(
        pl.format("S{}", pl.int_range(1, pl.len() + 1).cast(pl.Utf8).str.zfill(8)).alias(
            "survey_id"
        )
    )
    truth = {
        "weights": S.WEIGHTS,
        "importance_order": sorted(S.WEIGHTS, key=S.WEIGHTS.get, reverse=True),
        "intercept": S.INTERCEPT,
        "noise_sd": S.NOISE_SD,
        "enterprise_shift": S.ENTERPRISE_SHIFT,
        "regime_shift": S.REGIME_SHIFT,
        "regime_start": _ts(shift_at),
        "rating_loadings": dict(zip(S.RATINGS, S.RATING_LOADING.tolist(), strict=True)),
        "population_nps": {
            seg_name: {
                "before": round(S.population_nps(seg_name == "enterprise", False), 3),
                "after": round(S.population_nps(seg_name == "enterprise", True), 3),
            }
            for seg_name in ("individual", "enterprise")
        },
        "themes": list(S.THEMES),
        "theme_probs_by_category": {
            k: dict(zip(S.THEMES, v, strict=True)) for k, v in S.THEME_PROBS.items()
        },
        "comment_rate": S.COMMENT_RATE,
        "languages": {"zh": zh_share, "en": 1 - zh_share},
        "planted_theme_counts": {
            lang: {
                t: int(
                    sum(
                        t in th.split(";")
                        for th, lg in zip(themes, language, strict=True)
                        if lg == lang
                    )
                )
                for t in S.THEMES
            }
            for lang in ("en", "zh")
        },
    }
    return frame, truth


def _qa(
    rng: np.random.Generator, kept: dict[str, np.ndarray], agents: W.Agents
) -> Iterator[pl.DataFrame]:
    """The QA scores, one UTC month of ``scored_at`` at a time (each sorted as the table is)."""
    answered = np.flatnonzero(kept["agent"] >= 0)
    rate = np.array([QA_RATE[q.channel] for q in QUEUES])[kept["queue"][answered]]
    picked = answered[kept["complaint"][answered] | _below(rng, rate, len(rate))]
    del answered, rate
    row, agent = kept["row"][picked], kept["agent"][picked]
    agent_effect = agents.qa[agent]
    scored = kept["answered_at"][picked] + (rng.uniform(1, 3, len(row)) * 86400e6).astype(
        "timedelta64[us]"
    )
    scores = {}
    for dim, off in QA_OFFSET.items():
        score = np.clip(np.round(82 + off + agent_effect + rng.normal(0, 8, len(row)), 0), 0, 100)
        scores[dim] = score.astype(np.float32)  # whole numbers from 0 to 100: exact
    month = scored.astype("datetime64[M]")
    for m in np.unique(month):
        sel = np.flatnonzero(month == m)
        contact_id = _contact_ids(row[sel])
        agent_id = agents.ids[agent[sel]]
        at = _utc(scored[sel])
        yield pl.concat(
            [
                pl.DataFrame(
                    {
                        "contact_id": contact_id,
                        "agent_id": agent_id,
                        "scored_at": at,
                        "dimension": dim,
                        "score": scores[dim][sel].astype(np.float64),
                    }
                )
                for dim in QA_OFFSET
            ]
        ).sort("scored_at", "contact_id", "dimension")


def _truth(config, rates, events, plan: X.Plan, sample: dict, nps_truth: dict, regions) -> dict:
    total = sum(float(r.sum()) for r in rates.values())
    by_channel: dict[str, float] = {}
    for q in QUEUES:
        by_channel[q.channel] = by_channel.get(q.channel, 0.0) + float(rates[q.queue].sum()) / total
    churn = config.churn
    from cxlab.data._synth._config import (
        ANNUAL_AMPLITUDE,
        HOLIDAY_FACTOR,
        KPI_DRIFT,
        KPI_ORIGIN,
        MONTH_END_LIFT,
        POST_HOLIDAY_LIFT,
        WEEKDAY,
    )

    return {
        "generator_version": GENERATOR_VERSION,
        "seed": config.seed,
        "size": config.size,
        "country": config.country,
        "time_zone": config.time_zone,
        "start": str(config.start),
        "end": str(config.end),
        "arrivals": {
            "expected_contacts": round(total, 1),
            "channel_mix": {k: round(v, 4) for k, v in by_channel.items()},
            "queue_mix": {q.queue: round(float(rates[q.queue].sum()) / total, 4) for q in QUEUES},
            "intraday_peaks_local_hours": [[10, 11], [14, 16]],
            "weekday_factors_monday_first": list(WEEKDAY),
            "annual_amplitude": ANNUAL_AMPLITUDE,
            "annual_peak_day_of_year": 15,
            "month_end_lift": MONTH_END_LIFT,
            "holiday_factor": HOLIDAY_FACTOR,
            "post_holiday_lift": POST_HOLIDAY_LIFT,
            "events": [
                {
                    "event_id": e.event_id,
                    "name": e.name,
                    "kind": e.kind,
                    "lift": e.lift,
                    "queues": list(e.queues),
                    "start": e.start.astimezone(dt.UTC).isoformat(),
                    "end": e.end.astimezone(dt.UTC).isoformat(),
                }
                for e in events
                if e.kind != "holiday"
            ],
        },
        "queues": {
            q.queue: {
                "channel": q.channel,
                "open_hour": q.open_hour,
                "close_hour": q.close_hour,
                "accepts_when_closed": q.accepts_when_closed,
            }
            for q in QUEUES
        },
        "csat": {
            "model": "ordered logit: latent = intercept + fcr*FCR + log1p_wait_minutes*log(1+wait/60) + transfers*transfers + agent + logistic noise",
            "coefficients": W.CSAT_COEF,
            "cuts": W.CSAT_CUTS.tolist(),
            "response_rate": W.CSAT_RESPONSE_RATE,
        },
        "kpi_drift": {
            "model": "term(t) = per_year * years since origin + season * cos(2 pi (t - Jan 15) / 365.2425 days); added to the FCR probability before its cap, to the CSAT latent score, and to log handle time",
            "origin": str(KPI_ORIGIN),
            "terms": KPI_DRIFT,
        },
        "fcr": {
            "base_by_category": W.FCR_BASE,
            "per_transfer": W.FCR_TRANSFER,
            "complaint": W.FCR_COMPLAINT,
            "cap": list(W.FCR_CAP),
            "repeat_probability": W.REPEAT_PROB,
        },
        "churn": {
            "model": "cause-specific Cox, piecewise-constant covariates updated on the first day of each UTC month",
            "window_days": churn.window_days,
            "base_daily_hazard": churn.base_daily,
            "log_hr": churn.log_hr,
            "hr": {k: round(float(np.exp(v)), 4) for k, v in churn.log_hr.items()},
            "features": {
                "unresolved_complaint": "1 if the customer had a complaint (complaint_type not null) answered but not resolved at first contact (first_contact_resolution = false) that arrived in the window",
                "abandoned_contacts": "number of abandoned contacts in the window, capped at 5",
                "low_csat": "1 if the customer gave a CSAT of 1 or 2 on a contact that arrived in the window",
                "transfers": "sum of transfers over contacts in the window, capped at 5",
                "segment_enterprise": "1 for enterprise customers",
                "contract_annual": "1 for annual contracts (monthly is the reference)",
                "contract_two_year": "1 for two-year contracts",
                "window": "contacts with arrived_at in [month_start - window_days, month_start), month_start the first day of the month 00:00 UTC",
            },
            "downgrade": {
                "base_daily_hazard": churn.downgrade_base_daily,
                "log_hr": churn.downgrade_log_hr,
                "note": "downgrade is a competing event: a customer who downgrades first is no longer at risk of churn",
            },
        },
        "nps": nps_truth,
        "experiments": {
            plan.ab_id: {
                "design": "ab",
                "unit": "customer",
                "start": _ts(plan.ab_start),
                "end": _ts(plan.ab_end),
                "effects": {
                    "fcr": {
                        "absolute": X.AB_FCR,
                        "note": "additive on the probability, every answered contact of a treated customer",
                    },
                    "aht": {"relative": X.AB_HANDLE - 1, "absolute": sample["ab_aht"]},
                    "csat": {"latent": X.AB_CSAT_LATENT, "absolute": sample["ab_csat"]},
                },
            },
            plan.agent_id: {
                "design": "cluster_ab",
                "unit": "agent",
                "start": _ts(plan.agent_start),
                "end": _ts(plan.agent_end),
                "effects": {
                    "csat": {"latent": X.AGENT_CSAT_LATENT, "absolute": sample["agent_csat"]},
                    "aht": {"relative": X.AGENT_HANDLE - 1, "absolute": sample["agent_aht"]},
                },
            },
            plan.pilot_id: {
                "design": "staggered_did",
                "unit": "region",
                "cohorts": {
                    r: _ts(t)
                    for r, t in sorted(plan.pilot_cohorts.items(), key=lambda kv: (kv[1], kv[0]))
                },
                "effects": {
                    "fcr": {
                        "absolute": X.PILOT_FCR,
                        "note": "constant ATT for every cohort and period",
                    }
                },
            },
            plan.sc_id: {
                "design": "synthetic_control",
                "unit": "region",
                "region": plan.sc_region,
                "start": _ts(plan.sc_start),
                "effects": {"aht": {"relative": X.SC_HANDLE - 1, "absolute": sample["sc_aht"]}},
            },
            plan.its_id: {
                "design": "its",
                "unit": "region",
                "start": _ts(plan.its_start),
                "channel": "phone",
                "effects": {
                    "transfers_per_contact": {
                        "relative": X.ITS_TRANSFERS - 1,
                        "absolute": sample["its_transfers"],
                    }
                },
            },
        },
    }
