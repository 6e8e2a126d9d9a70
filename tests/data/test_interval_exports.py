"""An ACD's interval report in its own headers, mapped into the intervals table: proposed, ingested,
measured, and refused where the mapping or a row is wrong."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

import cxlab as cx
from cxlab._config import settings
from cxlab._errors import SchemaError
from cxlab.cli import app

EXPORTS = Path(__file__).parent / "exports"
ACD, MAP = EXPORTS / "acd_cn.csv", EXPORTS / "acd_cn.yaml"
cli = CliRunner()


def _ingest(ws: Path, *extra: str, path: Path = ACD, mapping: Path = MAP):
    ws.mkdir(parents=True, exist_ok=True)  # --workspace names an existing folder
    return cli.invoke(
        app,
        ["data", "ingest", str(path), "--table", "intervals", "--map", str(mapping),
         "--workspace", str(ws), *extra],
    )  # fmt: skip


def test_the_proposal_names_every_acd_header_with_its_unit_and_threshold() -> None:
    result = cli.invoke(app, ["data", "map", str(ACD), "--table", "intervals"])
    assert result.exit_code == 0, result.output
    proposed = yaml.safe_load(result.stdout)
    written = yaml.safe_load(MAP.read_text(encoding="utf-8"))
    for target, rule in written["columns"].items():
        source = rule["column"] if isinstance(rule, dict) else rule
        got = proposed["columns"][target]
        assert (got["column"] if isinstance(got, dict) else got) == source, target
    assert proposed["columns"]["handle_seconds_total"]["unit"] == "min"  # 总通话时长(分钟)
    assert proposed["columns"]["answered_wait_seconds_total"]["unit"] == "s"  # (秒)
    assert proposed["columns"]["channel"]["values"] == {"在线": "chat", "电话": "phone"}
    assert proposed["defaults"] == {"sl_seconds": 20.0}  # from the header 20秒内接通
    assert "#   interval_minutes" in result.stdout  # the one column the export cannot tell


def test_an_acd_export_is_ingested_and_measured_as_its_own_sums(tmp_path: Path) -> None:
    raw = ACD.read_bytes()
    assert _ingest(tmp_path, "--dry-run").exit_code == 0
    assert not settings(tmp_path).processed_dir.exists()  # a dry run writes nothing
    result = _ingest(tmp_path)
    assert result.exit_code == 0, result.output
    assert ACD.read_bytes() == raw
    report = cx.load("intervals", workspace=tmp_path).collect()
    source = pl.read_csv(ACD)
    assert report.height == source.height
    first = report.sort("interval_start").row(0, named=True)
    assert str(first["interval_start"]) == "2026-03-02 00:00:00+00:00"  # 08:00 in Shanghai
    assert report["handle_seconds_total"].sum() == pytest.approx(
        60 * source["总通话时长(分钟)"].sum()
    )
    kpis = cx.features.kpi(
        report, ["service_level", "abandonment_rate", "aht", "asa"], by="channel"
    )
    phone = source.filter(pl.col("渠道") == "电话")
    value = dict(kpis.filter(channel="phone").select("kpi", "value").iter_rows())
    assert value["service_level"] == pytest.approx(
        phone["20秒内接通"].sum() / phone["呼入量"].sum()
    )
    assert value["abandonment_rate"] == pytest.approx(phone["放弃量"].sum() / phone["呼入量"].sum())
    assert value["aht"] == pytest.approx(
        60 * phone["总通话时长(分钟)"].sum() / phone["接通量"].sum()
    )
    assert value["asa"] == pytest.approx(phone["总应答等待(秒)"].sum() / phone["接通量"].sum())
    patience = cx.staffing.patience(report).summary().filter(term="售后热线")
    waited = phone["总应答等待(秒)"].sum() + phone["放弃前总等待(秒)"].sum()
    assert patience["estimate"].item() == pytest.approx(waited / phone["放弃量"].sum())


def test_a_row_with_more_handled_than_offered_is_refused_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "acd_bad.csv"
    text = ACD.read_text(encoding="utf-8").replace(",63,55,8,", ",63,60,8,")
    bad.write_text(text, encoding="utf-8")
    result = _ingest(tmp_path / "ws", path=bad)
    assert result.exit_code != 0
    message = " ".join(result.stderr.split())
    assert "acd_bad.csv" in message
    assert "answered and abandoned in an interval are at most those offered" in message
    assert "row 3" in message and "Nothing was written" in message
    assert not (tmp_path / "ws" / "data" / "processed" / "intervals").exists()


@pytest.mark.parametrize(
    ("change", "key", "rule"),
    [
        ({"derive": {"abandoned": {"column": "放弃量", "true": ["1"]}}}, "derive.abandoned",
         "has no abandoned to derive"),
        ({"columns": {"handle_seconds_total": {"column": "总通话时长(分钟)", "unit": "weeks"}}},
         "columns.handle_seconds_total.unit", "'weeks' is not a unit"),
        ({"columns": {"arrived_at": "时段"}}, "columns.arrived_at", "not a column of intervals"),
    ],
)  # fmt: skip
def test_a_wrong_mapping_is_refused_naming_the_key(
    tmp_path: Path, change: dict, key: str, rule: str
) -> None:
    doc = yaml.safe_load(MAP.read_text(encoding="utf-8"))
    for section, body in change.items():
        doc[section] = {**(doc.get(section) or {}), **body}
    mapping = tmp_path / "wrong.yaml"
    mapping.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        cx.data.ingest(ACD, "intervals", mapping=mapping, workspace=tmp_path)
    assert f"wrong.yaml: {key}:" in str(err.value) and rule in str(err.value)
    assert not (tmp_path / "data" / "processed").exists()


def test_a_dry_run_shows_rows_without_personal_data(tmp_path: Path) -> None:
    export = tmp_path / "events.csv"
    export.write_text(
        "event_id,name,kind,start,end,queues\n"
        "e1,call 13812345678 or li@example.com,outage,2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,all\n",
        encoding="utf-8",
    )
    result = cli.invoke(
        app, ["data", "ingest", str(export), "--table", "events", "--dry-run", "-w", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "13812345678" not in result.output and "li@example.com" not in result.output
    assert "row 1: event_id=e1, name=call " in result.output
