"""Mapping a real export onto a canonical table: headers, value codes, units, local times.

A mapping is a small YAML file, one per source::

    table: contacts
    time_zone: Asia/Shanghai          # naive timestamps are local in it; stored in UTC
    columns:
      contact_id: 工单编号              # canonical name: source header
      arrived_at: {column: 来电时间, format: "%Y/%m/%d %H:%M"}
      wait_seconds: {column: 排队时长, unit: min}     # ms, s, min or h -> seconds
      channel: {column: 渠道, values: {电话: phone, 在线: chat, 微信: social}}
    derive:
      abandoned: {column: 结果, true: [放弃]}
      answered_at: arrived_at + wait_seconds         # when not abandoned
    defaults:
      transfers: 0

The raw file is only read; the mapped frame then goes through the usual validation.
"""

from __future__ import annotations

import os
import re
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import yaml

from cxlab._errors import SchemaError
from cxlab.data._schemas import CHANNELS, PRIORITIES, UTC
from cxlab.data._validate import spec_for

UNITS = {"ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0}
TOP_KEYS = ("table", "time_zone", "columns", "derive", "defaults")
COLUMN_KEYS = ("column", "unit", "values", "format", "ambiguous")
AMBIGUOUS = ("earliest", "latest")
DERIVED = ("abandoned", "answered_at")
ANSWERED_RULE = "arrived_at + wait_seconds"
NAIVE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
)
MAX_SHOWN = 5

SYNONYMS: dict[str, tuple[str, ...]] = {
    "contact_id": (
        "工单编号",
        "工单号",
        "会话id",
        "通话id",
        "ticket_id",
        "ticketid",
        "call_id",
        "id",
    ),
    "customer_id": (
        "客户编号",
        "客户id",
        "客户号",
        "会员id",
        "customer",
        "customerid",
        "client_id",
    ),
    "channel": ("渠道", "接入渠道", "来源渠道", "channel", "media", "media_type"),
    "queue": ("队列", "技能组", "队列名称", "queue", "skill", "skill_group"),
    "category": ("业务类型", "一级分类", "问题分类", "category", "reason"),
    "category_l2": ("二级分类", "category_l2", "subcategory", "sub_category"),
    "category_l3": ("三级分类", "category_l3"),
    "complaint_type": ("投诉类型", "complaint_type", "complaint"),
    "priority": ("优先级", "紧急程度", "priority"),
    "region": ("地区", "区域", "省份", "region", "area"),
    "arrived_at": ("来电时间", "进线时间", "创建时间", "arrived_at", "start_time", "created_at"),
    "answered_at": ("接听时间", "应答时间", "answered_at", "answer_time"),
    "resolved_at": ("解决时间", "结单时间", "完结时间", "resolved_at", "closed_at", "end_time"),
    "abandoned": (
        "是否放弃",
        "放弃",
        "放弃量",
        "abandoned",
        "is_abandoned",
        "abncalls",
        "abandoned_calls",
    ),
    "wait_seconds": ("排队时长", "等待时长", "wait_seconds", "wait_time", "queue_time", "wait_ms"),
    "handle_seconds": ("通话时长", "处理时长", "handle_seconds", "handle_time", "talk_time", "aht"),
    "agent_id": ("坐席工号", "坐席编号", "客服工号", "agent_id", "agent", "agentid"),
    "first_contact_resolution": ("首次解决", "一次解决", "first_contact_resolution", "fcr"),
    "transfers": ("转接次数", "transfers", "transfer_count"),
    "csat": ("满意度", "满意度评分", "csat", "satisfaction"),
    "note": (
        "备注",
        "工单内容",
        "通话小结",
        "服务小记",
        "小结",
        "note",
        "notes",
        "summary",
        "contact_note",
        "transcript_summary",
    ),
    # an ACD's interval report (Avaya CMS names in capitals elsewhere: ACDCALLS, ABNTIME ...)
    "interval_start": (
        "时段",
        "统计时段",
        "时段开始",
        "开始时间",
        "interval",
        "interval_start",
        "period_start",
        "datetime",
        "date_time",
    ),
    "interval_minutes": ("时段长度", "时段分钟", "interval_minutes", "interval_length"),
    "offered": ("呼入量", "进线量", "来电量", "offered", "calls_offered", "callsoffered", "calls"),
    "answered": ("接通量", "接听量", "应答量", "answered", "calls_answered", "acdcalls"),
    "answered_within": (
        "服务水平内接通量",
        "及时接通量",
        "answered_within",
        "answered_in_sl",
        "acceptable",
    ),
    "sl_seconds": ("服务水平秒数", "服务水平阈值", "sl_seconds", "service_level_seconds"),
    "handle_seconds_total": (
        "总通话时长",
        "总处理时长",
        "handle_seconds_total",
        "acdtime",
        "total_handle_time",
        "talk_time_total",
    ),
    "answered_wait_seconds_total": (
        "总应答等待时长",
        "总应答等待",
        "接通前总等待时长",
        "anstime",
        "answered_wait_seconds_total",
        "total_answer_delay",
    ),
    "abandoned_wait_seconds_total": (
        "放弃前总等待时长",
        "放弃前总等待",
        "总放弃等待时长",
        "abntime",
        "abandoned_wait_seconds_total",
        "total_abandon_delay",
    ),
    "agents_staffed": (
        "在岗坐席",
        "在席人数",
        "值班坐席",
        "agents_staffed",
        "staffed",
        "staffed_agents",
    ),
}
"""Source headers (compared without case, spaces, dashes or underscores) per canonical column."""

VALUE_SYNONYMS: dict[str, dict[str, str]] = {
    "channel": {
        "电话": "phone", "语音": "phone", "热线": "phone", "voice": "phone", "call": "phone",
        "在线": "chat", "网页": "chat", "app": "chat", "chat": "chat", "webchat": "chat",
        "邮件": "email", "email": "email", "mail": "email",
        "微信": "social", "微博": "social", "social": "social", "wechat": "social",
    },
    "priority": {"高": "P1", "紧急": "P1", "中": "P2", "普通": "P2", "低": "P3",
                 "high": "P1", "medium": "P2", "normal": "P2", "low": "P3"},
}  # fmt: skip
DISPOSITION = ("结果", "处理结果", "通话结果", "状态", "disposition", "result", "status", "outcome")


@dataclass(frozen=True)
class ColumnRule:
    """How one canonical column is read from the source."""

    target: str
    column: str
    unit: str | None = None
    values: dict[str, str] | None = None
    format: str | None = None
    ambiguous: str | None = None  # a local time the clocks repeat: "earliest" or "latest"


@dataclass(frozen=True)
class Mapping:
    """A validated mapping file."""

    name: str
    table: str
    time_zone: str | None
    columns: dict[str, ColumnRule]
    abandoned: tuple[str, tuple[str, ...], tuple[str, ...] | None] | None = None
    answered_from_wait: bool = False
    defaults: dict[str, object] = field(default_factory=dict)


def _fail(name: str, key: str, text: str) -> SchemaError:
    return SchemaError(f"{name}: {key}: {text}")


def _text(value, name: str, key: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _fail(name, key, f"{value!r} is not a header or value; give text")
    return str(value)


def load_mapping(path: str | os.PathLike, table: str | None = None) -> Mapping:
    """Read and check a mapping YAML file; errors name the file and the key path."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise SchemaError(f"{name}: no such mapping file ({path}).")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SchemaError(f"{name}: not valid YAML ({exc}).") from exc
    if not isinstance(raw, dict):
        raise SchemaError(
            f"{name}: a mapping file is a YAML mapping with keys {', '.join(TOP_KEYS)}."
        )
    for key in raw:
        if key not in TOP_KEYS:
            raise _fail(name, str(key), f"is not a key; use {', '.join(TOP_KEYS)}")
    if "table" not in raw:
        raise _fail(name, "table", "is missing; name the canonical table, e.g. table: contacts")
    mapped = str(raw["table"])
    try:
        spec = spec_for(mapped)
    except SchemaError as exc:
        raise _fail(name, "table", str(exc)) from None
    if table is not None and table != mapped:
        raise _fail(name, "table", f"the mapping is for {mapped!r}, not for {table!r}")
    canon = spec.columns

    zone = raw.get("time_zone")
    if zone is not None:
        try:
            zoneinfo.ZoneInfo(str(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise _fail(
                name,
                "time_zone",
                f"{zone!r} is not a time zone; use an IANA name such as Asia/Shanghai or UTC",
            ) from None

    columns: dict[str, ColumnRule] = {}
    given = raw.get("columns") or {}
    if not isinstance(given, dict):
        raise _fail(name, "columns", "give canonical name: source header pairs")
    for target, rule in given.items():
        key = f"columns.{target}"
        if target not in canon:
            raise _fail(
                name, key, f"{target!r} is not a column of {mapped}; use {', '.join(canon)}"
            )
        if not isinstance(rule, dict):
            columns[target] = ColumnRule(target, _text(rule, name, key))
            continue
        for sub in rule:
            if sub not in COLUMN_KEYS:
                raise _fail(name, f"{key}.{sub}", f"is not a key; use {', '.join(COLUMN_KEYS)}")
        if "column" not in rule:
            raise _fail(name, f"{key}.column", "is missing; name the source header")
        unit = rule.get("unit")
        if unit is not None and unit not in UNITS:
            raise _fail(name, f"{key}.unit", f"{unit!r} is not a unit; use ms, s, min or h")
        if unit is not None and canon[target] not in (pl.Float64, pl.Int64):
            raise _fail(name, f"{key}.unit", f"{target} is not a duration; a unit is for numbers")
        values = rule.get("values")
        if values is not None:
            if not isinstance(values, dict) or not values:
                raise _fail(name, f"{key}.values", "give source value: canonical value pairs")
            values = {
                _text(k, name, f"{key}.values"): _text(v, name, f"{key}.values.{k}")
                for k, v in values.items()
            }
        fmt = rule.get("format")
        if fmt is not None and canon[target] not in (UTC, pl.Date):
            raise _fail(name, f"{key}.format", f"{target} is not a date or timestamp")
        ambiguous = rule.get("ambiguous")
        if ambiguous is not None and (canon[target] != UTC or ambiguous not in AMBIGUOUS):
            raise _fail(
                name,
                f"{key}.ambiguous",
                f"{ambiguous!r} is not a choice for {target}; for a timestamp use earliest or "
                "latest (the first or the second of a local time the clocks go back over)",
            )
        columns[target] = ColumnRule(
            target, _text(rule["column"], name, f"{key}.column"), unit, values, fmt, ambiguous
        )

    derive = raw.get("derive") or {}
    if not isinstance(derive, dict):
        raise _fail(name, "derive", f"give one or more of {', '.join(DERIVED)}")
    abandoned = None
    answered = False
    for target, rule in derive.items():
        key = f"derive.{target}"
        if target not in DERIVED:
            raise _fail(name, key, f"{target!r} cannot be derived; derive {', '.join(DERIVED)}")
        if canon.get(target) is None or (target == "abandoned" and canon[target] != pl.Boolean):
            raise _fail(name, key, f"{mapped} has no {target} to derive; map it under columns")
        if target in columns:
            raise _fail(name, key, f"{target} is both mapped (columns) and derived; keep one")
        if target == "abandoned":
            if isinstance(rule, dict):  # YAML 1.1 reads a bare true:/false: key as a boolean
                rule = {({True: "true", False: "false"}.get(k, k) if isinstance(k, bool) else k): v
                        for k, v in rule.items()}  # fmt: skip
            if not isinstance(rule, dict) or "column" not in rule or "true" not in rule:
                raise _fail(name, key, "give {column: <disposition header>, true: [<values>]}")
            for sub in rule:
                if sub not in ("column", "true", "false"):
                    raise _fail(name, f"{key}.{sub}", "is not a key; use column, true, false")
            trues = rule["true"] if isinstance(rule["true"], list) else [rule["true"]]
            falses = rule.get("false")
            if falses is not None and not isinstance(falses, list):
                falses = [falses]
            abandoned = (
                _text(rule["column"], name, f"{key}.column"),
                tuple(_text(v, name, f"{key}.true") for v in trues),
                None if falses is None else tuple(_text(v, name, f"{key}.false") for v in falses),
            )
        else:
            if " ".join(str(rule).split()) != ANSWERED_RULE:
                raise _fail(name, key, f"{rule!r} is not a rule; use {ANSWERED_RULE!r}")
            for need in ("arrived_at", "wait_seconds"):
                if need not in columns:
                    raise _fail(name, key, f"needs {need} in columns")
            answered = True

    defaults = raw.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise _fail(name, "defaults", "give canonical name: value pairs")
    for target in defaults:
        if target not in canon:
            raise _fail(
                name,
                f"defaults.{target}",
                f"{target!r} is not a column of {mapped}; use {', '.join(canon)}",
            )

    nullable = {n for n, c in spec.schema.columns.items() if c.nullable}
    covered = set(columns) | set(defaults) | ({"abandoned"} if abandoned else set())
    covered |= {"answered_at"} if answered else set()
    uncovered = [c for c in spec.required if c not in covered and c not in nullable]
    if uncovered:
        raise _fail(
            name,
            "columns",
            f"no source for {', '.join(uncovered)} (every {mapped} row has "
            "them); map, derive or give defaults for them",
        )
    needs_zone = any(canon[c.target] == UTC for c in columns.values())
    if needs_zone and zone is None:
        raise _fail(name, "time_zone", "is missing; naive timestamps need their local zone")
    return Mapping(name, mapped, zone, columns, abandoned, answered, dict(defaults))


def _rows(frame: pl.DataFrame, mask: pl.Series) -> list[int]:
    return frame.filter(mask)["__row"].to_list()


def _examples(frame: pl.DataFrame, column: str, mask: pl.Series) -> str:
    bad = frame.filter(mask).head(MAX_SHOWN)
    n = int(mask.sum())
    shown = ", ".join(f"{v!r} (row {r})" for v, r in zip(bad[column], bad["__row"], strict=True))
    return f"{n} row(s), e.g. {shown}"


def _parse_time(
    text: pl.Series, rule: ColumnRule, zone: str
) -> tuple[pl.Series, pl.Series, pl.Series]:
    """UTC times, and which rows name a local time that does not exist or happens twice."""
    formats = (rule.format,) if rule.format else NAIVE_FORMATS
    parsed = pl.Series(text.name, [None] * len(text), dtype=pl.Datetime("us"))
    zoned = None
    for fmt in formats:
        step = text.str.to_datetime(fmt, time_unit="us", strict=False)
        if isinstance(step.dtype, pl.Datetime) and step.dtype.time_zone is not None:
            zoned = step.dt.convert_time_zone("UTC") if zoned is None else zoned.fill_null(step)
            continue
        parsed = parsed.fill_null(step)
    local = parsed.dt.replace_time_zone(
        zone, ambiguous=rule.ambiguous or "earliest", non_existent="null"
    )
    twice = (
        local.is_not_null()
        & parsed.dt.replace_time_zone(zone, ambiguous="null", non_existent="null").is_null()
    )  # clocks go back: the local time happens twice
    local = local.dt.convert_time_zone("UTC")
    if zoned is not None:
        local = zoned.dt.convert_time_zone("UTC").fill_null(local)
        twice = twice & zoned.is_null()
    gap = parsed.is_not_null() & local.is_null()  # clocks skip forward: no such local time
    return local, gap, twice


def apply_mapping(
    frame: pl.DataFrame, mapping: Mapping | str | os.PathLike, *, source: str = "<frame>"
) -> pl.DataFrame:
    """Rename, recode, convert and derive: the export as the canonical table's columns.

    The input frame is not changed. Errors name the source file, the mapping key, the column
    and up to five offending values with their row numbers (1 = first data row).
    """
    if not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping)
    spec = spec_for(mapping.table)
    where = f"Refused {source} (mapping {mapping.name})"
    needed = [(f"columns.{r.target}", r.column) for r in mapping.columns.values()]
    if mapping.abandoned:
        needed.append(("derive.abandoned.column", mapping.abandoned[0]))
    for key, header in needed:
        if header not in frame.columns:
            raise SchemaError(
                f"{where}: {key}: the header {header!r} is not in the file. "
                f"Headers found: {', '.join(frame.columns)}. Nothing was written."
            )
    frame = frame.with_row_index("__row", offset=1)
    out: dict[str, pl.Series] = {}
    for target, rule in mapping.columns.items():
        key = f"columns.{target}"
        col = frame[rule.column]
        text = col.cast(pl.Utf8).str.strip_chars().replace("", None)
        if rule.values is not None:
            known = text.is_in(list(rule.values)) | text.is_null()
            if not known.all():
                bad = frame.with_columns(text.alias("__v"))
                raise SchemaError(
                    f"{where}: {key}.values: column {rule.column!r} has value(s) not in the value "
                    f"map ({', '.join(rule.values)}): {_examples(bad, '__v', ~known)}. "
                    "Add them to the map. Nothing was written."
                )
            text = text.replace_strict(rule.values, default=None, return_dtype=pl.Utf8)
        dtype = spec.columns[target]
        if rule.unit is not None:
            number = text.cast(pl.Float64, strict=False)
            bad = number.is_null() & text.is_not_null()
            if bad.any():
                bad_frame = frame.with_columns(text.alias("__v"))
                raise SchemaError(
                    f"{where}: {key}: column {rule.column!r} is not a number in "
                    f"{rule.unit}: {_examples(bad_frame, '__v', bad)}. Nothing was written."
                )
            # to the millisecond: 1.58 min is 94.8 s, not 94.80000000000001
            out[target] = (number * UNITS[rule.unit]).round(3).alias(target)
        elif dtype == UTC:
            zone = mapping.time_zone or "UTC"
            parsed, gap, twice = _parse_time(text, rule, zone)
            if rule.ambiguous is None and twice.any():
                bad_frame = frame.with_columns(text.alias("__v"))
                raise SchemaError(
                    f"{where}: {key}: column {rule.column!r} has local times that happen twice in "
                    f"{zone} (the clocks go back over them): {_examples(bad_frame, '__v', twice)}. "
                    f"Say which is meant with {key}.ambiguous: earliest (before the change) or "
                    "latest (after it), or export times with their UTC offset. Nothing was written."
                )
            if gap.any():
                bad_frame = frame.with_columns(text.alias("__v"))
                raise SchemaError(
                    f"{where}: {key}: column {rule.column!r} has local times that do not exist in "
                    f"{zone} (the clocks skip them): {_examples(bad_frame, '__v', gap)}. "
                    "Check the export's time zone (time_zone). Nothing was written."
                )
            bad = parsed.is_null() & text.is_not_null()
            if bad.any():
                forms = rule.format or ", ".join(NAIVE_FORMATS)
                bad_frame = frame.with_columns(text.alias("__v"))
                raise SchemaError(
                    f"{where}: {key}: column {rule.column!r} is not a timestamp in {forms}: "
                    f"{_examples(bad_frame, '__v', bad)}; give {key}.format. Nothing was written."
                )
            out[target] = parsed.alias(target)
        elif dtype == pl.Date and rule.format:
            parsed = text.str.to_date(rule.format, strict=False)
            bad = parsed.is_null() & text.is_not_null()
            if bad.any():
                bad_frame = frame.with_columns(text.alias("__v"))
                raise SchemaError(
                    f"{where}: {key}: column {rule.column!r} is not a date in {rule.format}: "
                    f"{_examples(bad_frame, '__v', bad)}. Nothing was written."
                )
            out[target] = parsed.alias(target)
        else:
            out[target] = text.alias(target)
    if mapping.abandoned:
        header, trues, falses = mapping.abandoned
        text = frame[header].cast(pl.Utf8).str.strip_chars()
        if falses is not None:
            known = text.is_in([*trues, *falses])
            if not known.all():
                bad_frame = frame.with_columns(text.alias("__v"))
                raise SchemaError(
                    f"{where}: derive.abandoned: column {header!r} has value(s) neither true "
                    f"({', '.join(trues)}) nor false ({', '.join(falses)}): "
                    f"{_examples(bad_frame, '__v', ~known.fill_null(False))}. Nothing was written."
                )
        out["abandoned"] = text.is_in(list(trues)).fill_null(False).alias("abandoned")
    for target, value in mapping.defaults.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        filler = pl.Series(target, [str(value)] * frame.height, dtype=pl.Utf8)
        if target in out:
            current = out[target]
            if current.dtype == pl.Utf8:
                out[target] = current.fill_null(filler)
            else:
                out[target] = current.fill_null(filler.cast(current.dtype, strict=False))
        else:
            out[target] = filler
    if mapping.answered_from_wait:
        arrived, wait = out["arrived_at"], out["wait_seconds"].cast(pl.Float64, strict=False)
        abandoned = out.get("abandoned")
        answered = arrived + pl.Series((wait * 1_000_000).round(0)).cast(pl.Duration("us"))
        if abandoned is not None:
            answered = frame.select(
                pl.when(abandoned).then(None).otherwise(answered).alias("answered_at")
            ).to_series()
        out["answered_at"] = answered.alias("answered_at")
    for name, dtype in spec.columns.items():  # optional columns without a source: blank
        if name not in out:
            out[name] = pl.Series(name, [None] * frame.height, dtype=dtype)
    return pl.DataFrame([out[c] for c in spec.columns])


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-()（）]", "", header).lower()


_UNIT_WORDS = {"毫秒": "ms", "ms": "ms", "秒": "s", "s": "s", "sec": "s", "分钟": "min",
               "分": "min", "min": "min", "小时": "h", "h": "h", "hr": "h"}  # fmt: skip
_PARENTHESIS = re.compile(r"[(（]([^)）]*)[)）]")
_WITHIN = re.compile(
    r"^(\d+)\s*(?:秒内接通|秒内应答|秒接通)$|^answered\s*within\s*(\d+)\s*s(?:ec)?$"
)


def _unit_hint(header: str) -> str | None:
    """The unit a header names in parentheses: 总通话时长(分钟) -> min, Wait (ms) -> ms."""
    for inside in _PARENTHESIS.findall(header):
        unit = _UNIT_WORDS.get(inside.strip().lower())
        if unit:
            return unit
    return None


def _within_seconds(header: str) -> float | None:
    """The threshold of a header such as 20秒内接通 or 'Answered within 20s', else None."""
    m = _WITHIN.match(_PARENTHESIS.sub("", header).strip().lower())
    return None if m is None else float(m.group(1) or m.group(2))


def propose_mapping(
    frame: pl.DataFrame, table: str, *, source: str = "<frame>", time_zone: str = "Asia/Shanghai"
) -> str:
    """A mapping YAML guessed from the headers (and channel/priority values), to edit by hand."""
    spec = spec_for(table)
    lookup: dict[str, str] = {}
    for canon, words in SYNONYMS.items():
        if canon in spec.columns:
            for word in (canon, *words):
                lookup.setdefault(_norm(word), canon)
    columns: dict[str, object] = {}
    unmatched: list[str] = []
    disposition = None
    threshold = None
    for header in frame.columns:
        canon = lookup.get(_norm(header)) or lookup.get(_norm(_PARENTHESIS.sub("", header)))
        within = _within_seconds(header)
        if canon is None and within is not None and "answered_within" in spec.columns:
            canon, threshold = "answered_within", within
        if canon is None or canon in columns:
            if _norm(header) in {_norm(w) for w in DISPOSITION} and disposition is None:
                disposition = header
            else:
                unmatched.append(header)
            continue
        rule: dict[str, object] = {"column": header}
        if canon in VALUE_SYNONYMS:
            seen = frame[header].cast(pl.Utf8).drop_nulls().unique().sort().head(30).to_list()
            table_values = VALUE_SYNONYMS[canon]
            allowed = CHANNELS if canon == "channel" else PRIORITIES
            rule["values"] = {
                v: (v if v in allowed else table_values.get(_norm(v), "?")) for v in seen
            }
        if "_seconds" in canon and canon != "sl_seconds":
            rule["unit"] = _unit_hint(header) or ("ms" if "ms" in _norm(header) else "s")
        columns[canon] = rule if len(rule) > 1 else header
    doc: dict[str, object] = {"table": table, "time_zone": time_zone, "columns": columns}
    if threshold is not None and "sl_seconds" not in columns:
        doc["defaults"] = {"sl_seconds": threshold}
    if disposition is not None and "abandoned" in spec.columns and "abandoned" not in columns:
        values = frame[disposition].cast(pl.Utf8).drop_nulls().unique().sort().to_list()
        trues = [v for v in values if _norm(v) in ("放弃", "abandoned", "abandon", "未接通")]
        doc["derive"] = {"abandoned": {"column": disposition, "true": trues or ["?"]}}
    body = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)
    missing = [
        c
        for c in spec.columns
        if c not in columns and c not in doc.get("derive", {}) and c not in doc.get("defaults", {})
    ]
    lines = [
        f"# Proposed mapping of {source} onto {table}: check every line, replace each '?',",
        "# then pass it with: cxlab data ingest FILE --table " + table + " --map THIS.yaml",
        body.rstrip(),
    ]
    units = [c for c in columns if "_seconds" in c]
    if units:
        lines.append(f"# check the unit (ms, s, min or h) of: {', '.join(units)}")
    if unmatched:
        lines.append("# headers not matched (map them by hand or leave them out):")
        lines += [f"#   {h}" for h in unmatched]
    if missing:
        lines.append(f"# {table} columns with no source (map, derive or give defaults):")
        lines += [f"#   {c}" for c in missing]
    return "\n".join(lines) + "\n"
