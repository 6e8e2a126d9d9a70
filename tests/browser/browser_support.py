"""What the browser tests share: the planted hostile text, the languages and the reports."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

import cxlab as cx
from cxlab._config import settings

HOSTILE = [
    "<script>alert('comment')</script>",
    "<img src=x onerror=alert('img')>",
    "<a href=\"javascript:alert('link')\">click me</a>",
]
LANGS = ("en", "zh")
REPORTS = (
    "00_service_review",
    "01_volume_forecast",
    "02_interventions",
    "03_churn_drivers",
    "04_nps",
    "05_contact_reasons",
    "06_year_review",
)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[2]


def plant_hostile_text(ws: Path) -> None:
    s = settings(ws)
    surveys = cx.load("surveys", workspace=ws).collect()
    idx = (
        surveys.with_row_index("i").filter(pl.col("comment").is_not_null())["i"].head(30).to_list()
    )
    comments = surveys["comment"].to_list()
    for k, i in enumerate(idx):
        comments[i] = HOSTILE[k % len(HOSTILE)] + " " + (comments[i] or "")
    cx.data.write_table(surveys.with_columns(comment=pl.Series(comments)), "surveys", workspace=s)
    contacts = cx.load("contacts", workspace=ws).collect()
    contacts = contacts.with_columns(
        category_l3=pl.when(pl.col("category_l3") == "Refund delay")
        .then(pl.lit(HOSTILE[1] + "Refund delay"))
        .otherwise(pl.col("category_l3"))
    )
    cx.data.write_table(contacts, "contacts", workspace=s)
