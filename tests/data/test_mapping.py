"""Real exports mapped onto the canonical tables: headers, value codes, units, local times."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

import cxlab as cx
from cxlab._errors import SchemaError
from cxlab.cli import app

EXPORTS = Path(__file__).parent / "exports"
CN_CSV, CN_MAP = EXPORTS / "contacts_cn.csv", EXPORTS / "contacts_cn.yaml"
EN_CSV, EN_MAP = EXPORTS / "contacts_en.csv", EXPORTS / "contacts_en.yaml"


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _contacts(workspace: Path) -> pl.DataFrame:
    return cx.load("contacts", workspace=workspace).collect().sort("contact_id")


def _variant(tmp_path: Path, edit, source: Path = CN_MAP, name: str = "vendor.yaml") -> Path:
    doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    edit(doc)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_chinese_export_is_mapped_converted_and_stored(scratch_workspace: Path) -> None:
    before = CN_CSV.read_bytes()
    result = CliRunner().invoke(
        app,
        ["data", "ingest", str(CN_CSV), "--table", "contacts", "--map", str(CN_MAP),
         "--workspace", str(scratch_workspace),
         "--allow-unknown-customers"],  # the export's customers are not the synthetic ones
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "stored 30 rows of contacts" in result.stdout
    assert CN_CSV.read_bytes() == before  # the raw export is only read

    raw = pl.read_csv(CN_CSV, infer_schema=False).sort("工单编号")
    stored = _contacts(scratch_workspace)
    assert stored.height == 30
    assert stored["contact_id"].to_list() == raw["工单编号"].to_list()
    # minutes -> seconds
    assert stored["wait_seconds"].to_list() == pytest.approx(
        [float(v) * 60 for v in raw["排队时长"]]
    )
    handle = [None if v is None else float(v) * 60 for v in raw["通话时长"]]
    assert stored["handle_seconds"].to_list() == pytest.approx(handle, nan_ok=True)
    # value maps
    codes = {"电话": "phone", "在线": "chat", "微信": "social", "邮件": "email"}
    assert stored["channel"].to_list() == [codes[v] for v in raw["渠道"]]
    assert stored["priority"].to_list() == [
        {"高": "P1", "中": "P2", "低": "P3"}[v] for v in raw["优先级"]
    ]
    # naive Beijing times -> UTC, equal to the local ones
    shanghai = ZoneInfo("Asia/Shanghai")
    for local, utc in zip(raw["来电时间"], stored["arrived_at"], strict=True):
        naive = dt.datetime.strptime(local, "%Y/%m/%d %H:%M")
        assert utc == naive.replace(tzinfo=shanghai)
        assert utc.utcoffset() == dt.timedelta(0)
    assert stored["arrived_at"][0] == dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)
    # derived: abandoned from the disposition, answered = arrived + wait when answered
    assert stored["abandoned"].to_list() == [v == "放弃" for v in raw["结果"]]
    assert stored["abandoned"].sum() == 4
    for row in stored.iter_rows(named=True):
        if row["abandoned"]:
            assert row["answered_at"] is None
        else:
            assert row["answered_at"] == row["arrived_at"] + dt.timedelta(
                seconds=row["wait_seconds"]
            )
    # defaults and optional columns
    assert set(stored["category_l3"]) == {"未分类"}
    assert stored["note"].to_list() == raw["备注"].to_list()
    assert stored["resolved_at"].null_count() == 30
    assert stored["transfers"].to_list() == [int(v) for v in raw["转接次数"]]


def test_english_export_in_ms_with_disposition_through_the_api(scratch_workspace: Path) -> None:
    result = cx.data.ingest(
        EN_CSV,
        "contacts",
        mapping=EN_MAP,
        workspace=scratch_workspace,
        allow_unknown_customers=True,  # the export's customers are not the synthetic ones
    )
    assert result["rows"] == 24
    raw = pl.read_csv(EN_CSV, infer_schema=False).sort("Ticket ID")
    stored = _contacts(scratch_workspace)
    assert stored["wait_seconds"].to_list() == pytest.approx(
        [int(v) / 1000 for v in raw["Wait (ms)"]]
    )
    assert stored["channel"].to_list() == [
        {"Voice": "phone", "Chat": "chat", "Email": "email"}[v] for v in raw["Media"]
    ]
    # "Transferred" is not abandoned; only "Abandoned" is
    assert stored["abandoned"].to_list() == [v == "Abandoned" for v in raw["Disposition"]]
    assert set(stored["transfers"]) == {0}
    # Berlin local time, across the change to summer time on 29 March 2026
    berlin = ZoneInfo("Europe/Berlin")
    offsets = set()
    for local, utc in zip(raw["Start Time"], stored["arrived_at"], strict=True):
        naive = dt.datetime.strptime(local, "%Y-%m-%d %H:%M:%S")
        assert utc == naive.replace(tzinfo=berlin)
        offsets.add(naive.replace(tzinfo=berlin).utcoffset())
    assert offsets == {dt.timedelta(hours=1), dt.timedelta(hours=2)}
    assert stored["arrived_at"][0] == dt.datetime(2026, 3, 28, 21, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["columns"]["wait_seconds"].update(unit="msec"),
            "vendor.yaml: columns.wait_seconds.unit: 'msec' is not a unit; use ms, s, min or h",
        ),
        (
            lambda d: d["columns"].update(wait_secs="排队时长"),
            "vendor.yaml: columns.wait_secs: 'wait_secs' is not a column of contacts",
        ),
        (lambda d: d.update(timezone="Asia/Shanghai"), "vendor.yaml: timezone: is not a key"),
        (
            lambda d: d.update(time_zone="Beijing"),
            "vendor.yaml: time_zone: 'Beijing' is not a time zone",
        ),
        (
            lambda d: d["columns"].pop("queue"),
            "vendor.yaml: columns: no source for queue",
        ),
        (
            lambda d: d["derive"].update(answered_at="arrived_at + handle_seconds"),
            "vendor.yaml: derive.answered_at: 'arrived_at + handle_seconds' is not a rule",
        ),
        (
            lambda d: d["columns"]["channel"].update(colour="red"),
            "vendor.yaml: columns.channel.colour: is not a key",
        ),
        (lambda d: d.update(table="customers"), "vendor.yaml: table: the mapping is for"),
    ],
)
def test_bad_mapping_keys_are_refused_naming_the_key(tmp_path: Path, edit, message: str) -> None:
    path = _variant(tmp_path, edit)
    with pytest.raises(SchemaError) as info:
        cx.data.ingest(CN_CSV, "contacts", mapping=path, workspace=tmp_path / "ws")
    assert message in str(info.value)
    assert not (tmp_path / "ws" / "data").exists()


def test_a_header_missing_from_the_file_is_named_with_the_key_and_the_headers(
    tmp_path: Path,
) -> None:
    path = _variant(tmp_path, lambda d: d["columns"].update(queue="队列名称"))
    with pytest.raises(SchemaError) as info:
        cx.data.ingest(CN_CSV, "contacts", mapping=path, workspace=tmp_path / "ws")
    text = str(info.value)
    assert "columns.queue: the header '队列名称' is not in the file" in text
    assert "Headers found: 工单编号, 客户编号, 来电时间, 渠道, 技能组" in text


def test_a_value_outside_the_value_map_is_named_with_its_rows(tmp_path: Path) -> None:
    raw = CN_CSV.read_text(encoding="utf-8").splitlines()
    for row in (3, 7):  # data rows 3 and 7
        cells = raw[row].split(",")
        cells[3] = "传真"  # 渠道
        raw[row] = ",".join(cells)
    source = tmp_path / "fax.csv"
    source.write_text("\n".join(raw) + "\n", encoding="utf-8")
    with pytest.raises(SchemaError) as info:
        cx.data.ingest(source, "contacts", mapping=CN_MAP, workspace=tmp_path / "ws")
    text = str(info.value)
    assert "columns.channel.values: column '渠道'" in text
    assert "2 row(s), e.g. '传真' (row 3), '传真' (row 7)" in text
    assert not (tmp_path / "ws" / "data").exists()


def test_a_nonexistent_local_time_is_refused(tmp_path: Path) -> None:
    raw = EN_CSV.read_text(encoding="utf-8").splitlines()
    raw[1] = raw[1].replace("2026-03-28 22:00:00", "2026-03-29 02:30:00")
    source = tmp_path / "gap.csv"
    source.write_text("\n".join(raw) + "\n", encoding="utf-8")
    with pytest.raises(
        SchemaError, match=r"do not exist in Europe/Berlin.*'2026-03-29 02:30:00' \(row 1\)"
    ):
        cx.data.ingest(source, "contacts", mapping=EN_MAP, workspace=tmp_path / "ws")


def test_data_map_proposes_the_canonical_names_of_the_chinese_headers() -> None:
    result = CliRunner().invoke(app, ["data", "map", str(CN_CSV), "--table", "contacts"])
    assert result.exit_code == 0, result.stderr
    proposed = yaml.safe_load(result.stdout)
    expected = yaml.safe_load(CN_MAP.read_text(encoding="utf-8"))
    headers = {
        k: (v["column"] if isinstance(v, dict) else v) for k, v in proposed["columns"].items()
    }
    assert headers == {
        k: (v["column"] if isinstance(v, dict) else v) for k, v in expected["columns"].items()
    }
    assert proposed["columns"]["channel"]["values"] == expected["columns"]["channel"]["values"]
    assert proposed["columns"]["priority"]["values"] == expected["columns"]["priority"]["values"]
    assert proposed["derive"]["abandoned"] == {"column": "结果", "true": ["放弃"]}
    assert proposed["columns"]["note"] == "备注"  # the agent's note
    assert "#   category_l3" in result.stdout


def test_dry_run_prints_mapped_rows_and_rule_failures_and_writes_nothing(
    scratch_workspace: Path, tmp_path: Path
) -> None:
    processed = scratch_workspace / "data" / "processed"
    before = _digest(processed)
    args = ["data", "ingest", str(CN_CSV), "--table", "contacts", "--dry-run",
            "--workspace", str(scratch_workspace), "--allow-unknown-customers"]  # fmt: skip
    good = CliRunner().invoke(app, [*args, "--map", str(CN_MAP)])
    assert good.exit_code == 0, good.stderr
    assert "row 1: contact_id=GD1000" in good.stdout
    assert "channel=phone" in good.stdout and "wait_seconds=94.8" in good.stdout
    assert "KH200" not in good.stdout  # customer ids are masked
    assert "nothing was written" in good.stdout

    bad_map = _variant(tmp_path, lambda d: d["columns"]["priority"]["values"].update({"高": "P9"}))
    bad = CliRunner().invoke(app, [*args, "--map", str(bad_map)])
    assert bad.exit_code == 1
    assert (
        "rule failures: Refused contacts_cn.csv (table contacts): column 'priority'" in bad.stdout
    )
    assert "nothing was written" in bad.stdout
    assert _digest(processed) == before


def test_a_local_time_the_clocks_repeat_is_refused_until_the_mapping_says_which(
    tmp_path: Path,
) -> None:
    """In Berlin 02:30 on 25 October 2026 happens twice; reading it as the first silently moves
    a contact by an hour, so it is refused, naming the rows, until the mapping says which."""
    from cxlab.data import apply_mapping, load_mapping

    frame = pl.DataFrame(
        {"id": ["a", "b", "c"], "t": ["2026-10-25 01:30", "2026-10-25 02:30", "2026-10-25 03:30"]}
    )
    rules = tmp_path / "berlin.yaml"

    def mapping(extra: str = "") -> object:
        rules.write_text(
            "table: events\ntime_zone: Europe/Berlin\ncolumns:\n  event_id: id\n  name: id\n"
            f"  start: {{column: t{extra}}}\n  end: {{column: t{extra}}}\n"
            "defaults: {kind: outage, queues: all}\n",
            encoding="utf-8",
        )
        return load_mapping(rules)

    with pytest.raises(SchemaError, match=r"columns.start: .*happen twice in Europe/Berlin.*"
                       r"'2026-10-25 02:30' \(row 2\).*columns.start.ambiguous"):  # fmt: skip
        apply_mapping(frame, mapping(), source="berlin.csv")
    for choice, hour in (("earliest", 0), ("latest", 1)):
        out = apply_mapping(frame, mapping(f", ambiguous: {choice}"), source="berlin.csv")
        assert out["start"][1].hour == hour and out["start"][1].minute == 30  # UTC
        assert out["start"][0].hour == 23 and out["start"][2].hour == 2  # the others unchanged
    with pytest.raises(SchemaError, match=r"columns.start.ambiguous: 'both' is not a choice"):
        mapping(", ambiguous: both")
