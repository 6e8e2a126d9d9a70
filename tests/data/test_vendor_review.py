"""The monthly service review on a department's own export, mapped at the door.

The tiny synthetic workspace's contacts of July to September 2026 are written the way two vendors
export them (Chinese headers and codes with durations in minutes; English headers with
milliseconds, a disposition and Berlin local times), ingested with the committed mappings
(``tests/data/exports/*.yaml``) into workspaces that hold nothing but contacts, and reviewed with
``cxlab run 00_service_review``. Every figure the review records must equal the one computed on
the canonical contacts, and every section must read exactly as on a workspace made of the
canonical contacts themselves: the mapping loses nothing.

Vendors write times to the second; the synthetic times carry microseconds, which no figure of the
review depends on. The months end before 25 October 2026, when Berlin's clocks go back and a
naive local time in the repeated hour names two instants.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

import cxlab as cx
from cxlab.cli import app
from cxlab.runner import read_runs
from notebook_support import NOTEBOOKS

pytestmark = pytest.mark.notebook

EXPORTS = Path(__file__).parent / "exports"
ZONE = "Asia/Shanghai"  # the tiny workspace's zone, where the months are cut
FIRST, LAST = "2026-07", "2026-09"
REVIEW = "00_service_review"
NO_TARGETS = pl.DataFrame(schema=cx.data.TABLES["targets"].columns)  # a workspace without targets

CN_CODES = {
    "channel": {"phone": "电话", "chat": "在线", "social": "微信", "email": "邮件"},
    "priority": {"P1": "高", "P2": "中", "P3": "低"},
    "complaint_type": {
        "product_quality": "产品质量",
        "logistics": "物流",
        "service_attitude": "服务态度",
        "refund": "退款",
    },
}
EN_CODES = {
    "channel": {"phone": "Voice", "chat": "Chat", "email": "Email", "social": "Social"},
    "priority": {"P1": "High", "P2": "Normal", "P3": "Low"},
    "complaint_type": {
        "product_quality": "Product quality",
        "logistics": "Logistics",
        "service_attitude": "Staff attitude",
        "refund": "Refund",
    },
}


def _local(column: str, zone: str, fmt: str) -> pl.Expr:
    """A UTC timestamp as a vendor's naive local text, to the second."""
    return pl.col(column).dt.convert_time_zone(zone).dt.strftime(fmt)


def _coded(column: str, codes: dict[str, dict[str, str]]) -> pl.Expr:
    return pl.col(column).replace_strict(codes[column], default=None)


def chinese_export(contacts: pl.DataFrame) -> pl.DataFrame:
    """A Chinese call-centre system's ticket export: its headers and codes, Beijing time,
    waiting and talk time in minutes, the outcome as 接通/放弃."""
    return contacts.select(
        pl.col("contact_id").alias("工单编号"),
        pl.col("customer_id").alias("客户编号"),
        _local("arrived_at", ZONE, "%Y/%m/%d %H:%M:%S").alias("来电时间"),
        _coded("channel", CN_CODES).alias("渠道"),
        pl.col("queue").alias("技能组"),
        pl.col("category").alias("业务类型"),
        pl.col("category_l2").alias("二级分类"),
        pl.col("category_l3").alias("三级分类"),
        _coded("complaint_type", CN_CODES).alias("投诉类型"),
        _coded("priority", CN_CODES).alias("优先级"),
        pl.col("region").alias("地区"),
        (pl.col("wait_seconds") / 60).round(6).alias("排队时长"),
        (pl.col("handle_seconds") / 60).round(6).alias("通话时长"),
        pl.col("agent_id").alias("坐席工号"),
        pl.when(pl.col("abandoned")).then(pl.lit("放弃")).otherwise(pl.lit("接通")).alias("结果"),
        _local("resolved_at", ZONE, "%Y/%m/%d %H:%M:%S").alias("解决时间"),
        pl.col("first_contact_resolution")
        .replace_strict({True: "是", False: "否"}, default=None)
        .alias("首次解决"),
        pl.col("transfers").alias("转接次数"),
        pl.col("csat").alias("满意度"),
        pl.lit("无").alias("备注"),
    )


def english_export(contacts: pl.DataFrame) -> pl.DataFrame:
    """An outsourcer's export from Berlin: English headers and codes, Berlin local time,
    durations in milliseconds, a disposition (Answered, Transferred, Abandoned)."""
    ms = lambda c: (pl.col(c) * 1000).round(0).cast(pl.Int64)  # noqa: E731
    return contacts.select(
        pl.col("contact_id").alias("Ticket ID"),
        pl.col("customer_id").alias("Customer"),
        _local("arrived_at", "Europe/Berlin", "%Y-%m-%d %H:%M:%S").alias("Start Time"),
        _coded("channel", EN_CODES).alias("Media"),
        pl.col("queue").alias("Queue"),
        pl.col("category").alias("Reason"),
        pl.col("category_l2").alias("Sub Reason"),
        _coded("priority", EN_CODES).alias("Priority"),
        pl.col("region").alias("Region"),
        ms("wait_seconds").alias("Wait (ms)"),
        ms("handle_seconds").alias("Talk Time"),
        pl.col("agent_id").alias("Agent"),
        pl.when(pl.col("abandoned"))
        .then(pl.lit("Abandoned"))
        .when(pl.col("transfers") > 0)
        .then(pl.lit("Transferred"))
        .otherwise(pl.lit("Answered"))
        .alias("Disposition"),
        pl.col("csat").alias("Survey"),
        pl.col("category_l3").alias("Detail"),
        _coded("complaint_type", EN_CODES).alias("Complaint"),
        _local("resolved_at", "Europe/Berlin", "%Y-%m-%d %H:%M:%S").alias("Closed Time"),
        pl.col("first_contact_resolution")
        .replace_strict({True: "Yes", False: "No"}, default=None)
        .alias("Resolved First Contact"),
        pl.col("transfers").alias("Transfers"),
    )


def _workspace(root: Path) -> Path:
    """A workspace of the department's own: settings and the review notebook, no data yet."""
    (root / "notebooks").mkdir(parents=True)
    (root / "cxlab.toml").write_text(f'[workspace]\ntime_zone = "{ZONE}"\ncountry = "CN"\n')
    (root / "notebooks" / f"{REVIEW}.ipynb").write_bytes(
        (NOTEBOOKS / f"{REVIEW}.ipynb").read_bytes()
    )
    return root


def _review(ws: Path, language: str) -> dict:
    """Run the review as a scheduler would; its run record, recorded figures and outputs."""
    result = CliRunner().invoke(
        app,
        ["run", REVIEW, "-p", "language", language, "--workspace", str(ws),
         "--cell-timeout", "120"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    run = read_runs(ws / "outputs")[-1]
    run_dir = Path(run["run_dir"])
    executed = json.loads((run_dir / f"{REVIEW}.ipynb").read_text(encoding="utf-8"))
    page = (ws / "outputs" / "reports" / REVIEW / "latest.html").read_text(encoding="utf-8")
    return {
        "run": run,
        "metrics": json.loads((run_dir / "metrics.json").read_text(encoding="utf-8")),
        "outputs": _outputs(executed),
        "page": page,
    }


def _outputs(nb: dict) -> list[str]:
    """What each code cell showed: visible text of its HTML, its streams, its charts' data."""
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        parts = []
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream":
                parts.append("".join(out["text"]))
            for kind, value in sorted(out.get("data", {}).items()):
                if kind == "text/html":
                    markup = "".join(value) if isinstance(value, list) else value
                    parts.append(_visible(markup))
                elif "plotly" in kind:
                    parts.append(json.dumps(value, sort_keys=True))
        cells.append("\n".join(parts))
    return cells


def _visible(markup: str) -> str:
    markup = re.sub(r"<(style|script)\b.*?</\1>", " ", markup, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


@pytest.fixture(scope="module")
def canonical(tiny_workspace: Path) -> pl.DataFrame:
    """The canonical contacts the vendors export: July to September 2026, Beijing months."""
    month = pl.col("arrived_at").dt.convert_time_zone(ZONE).dt.strftime("%Y-%m")
    rows = (
        cx.load("contacts", workspace=tiny_workspace)
        .collect()
        .filter(month.is_between(pl.lit(FIRST), pl.lit(LAST)))
        .sort("arrived_at")
    )
    assert rows["abandoned"].any() and rows["complaint_type"].is_not_null().any()
    return rows


@pytest.fixture(scope="module")
def baseline(canonical: pl.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The review on a workspace made of the canonical contacts themselves (English)."""
    root = tmp_path_factory.mktemp("canonical")
    canonical.write_parquet(root / "contacts.parquet")
    ws = _workspace(root / "ws")
    cx.data.ingest(root / "contacts.parquet", "contacts", workspace=ws)
    return _review(ws, "en")


def _expected(canonical: pl.DataFrame) -> dict[str, tuple[float | None, float | None]]:
    """Every scorecard figure and its change, computed on the canonical contacts."""
    contacts = canonical.lazy()
    period = cx.review.review_period(contacts, time_zone=ZONE)
    card = cx.review.scorecard(contacts, NO_TARGETS, period)
    return {
        f"{r['kpi']}:{r['scope']}": (r["value"], r["change"])
        for r in card.table.iter_rows(named=True)
    }


def _same_figures(metrics: dict, canonical: pl.DataFrame) -> None:
    expected = _expected(canonical)
    assert set(metrics) == set(expected)
    for key, (value, change) in expected.items():
        assert metrics[key]["value"] == pytest.approx(value, rel=1e-12), key
        assert metrics[key]["change"] == pytest.approx(change, rel=1e-9, abs=1e-12), key
        assert metrics[key]["period"] == ["2026-09-01", "2026-10-01"], key
    # the headline figures, counted straight from the canonical rows
    month = pl.col("arrived_at").dt.convert_time_zone(ZONE).dt.strftime("%Y-%m")
    september = canonical.filter(month == "2026-09")
    assert metrics["contacts:all"]["value"] == september.height
    chat = september.filter(pl.col("channel") == "chat")
    offered = chat.filter(~(pl.col("abandoned") & (pl.col("wait_seconds") < 5)))
    answered = offered.filter(~pl.col("abandoned")).height / offered.height
    assert metrics["answer_rate:channel=chat"]["value"] == pytest.approx(answered, rel=1e-12)
    assert 1 - answered > 0  # some chats were abandoned: the disposition was read


def test_chinese_export_in_minutes_reviews_as_the_canonical_contacts(
    canonical: pl.DataFrame, baseline: dict, tmp_path: Path
) -> None:
    export = chinese_export(canonical)
    source = tmp_path / "工单导出_2026Q3.csv"
    export.write_csv(source)
    # the department's export carries a third level of contact reason: one line more
    mapping = yaml.safe_load((EXPORTS / "contacts_cn.yaml").read_text(encoding="utf-8"))
    mapping["columns"]["category_l3"] = "三级分类"
    map_path = tmp_path / "contacts_cn.yaml"
    map_path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    ws = _workspace(tmp_path / "ws")
    stored = cx.data.ingest(source, "contacts", mapping=map_path, workspace=ws)
    assert stored["rows"] == canonical.height
    assert sorted(p.name for p in (ws / "data" / "processed").iterdir()) == ["contacts"]

    zh = _review(ws, "zh")
    assert zh["run"]["status"] == "ok" and zh["run"]["error"] is None
    assert 'lang="zh-Hans"' in zh["page"]
    _same_figures(zh["metrics"], canonical)
    text = _visible(zh["page"])
    assert "暂无质检结果" in text and "暂无班组排名" in text and "尚未设定目标" in text

    en = _review(ws, "en")
    assert en["run"]["status"] == "ok"
    _same_figures(en["metrics"], canonical)
    assert en["outputs"] == baseline["outputs"]  # every section, table and chart
    # no vendor code or Chinese word leaks into the English report
    assert not re.findall(r"[\u4e00-\u9fff]+", _visible(en["page"]))


def test_english_export_in_ms_from_berlin_reviews_as_the_canonical_contacts(
    canonical: pl.DataFrame, baseline: dict, tmp_path: Path
) -> None:
    export = english_export(canonical)
    assert set(export["Disposition"]) == {"Answered", "Transferred", "Abandoned"}
    source = tmp_path / "tickets_q3.csv"
    export.write_csv(source)
    ws = _workspace(tmp_path / "ws")
    cx.data.ingest(source, "contacts", mapping=EXPORTS / "contacts_en.yaml", workspace=ws)
    en = _review(ws, "en")
    assert en["run"]["status"] == "ok"
    _same_figures(en["metrics"], canonical)
    assert en["outputs"] == baseline["outputs"]
    text = _visible(en["page"])
    assert "Voice" not in text and "Staff attitude" not in text  # mapped, not shown raw
