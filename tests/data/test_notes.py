"""Contact notes of the synthetic workspace: the manual category is wrong for the planted share,
the true labels are in the store, the customer's emotion follows what happened, the note's
language follows the rule, and notes carry the variety (and the fake personal data) truth.json
says; an export's note column is ingested whole."""

from __future__ import annotations

import math
import re
from pathlib import Path

import make_corpus
import polars as pl
import pytest
import yaml

import cxlab as cx
from cxlab.data._synth._config import TAXONOMY


@pytest.fixture(scope="module")
def world(tiny_workspace: Path) -> tuple[dict, pl.DataFrame]:
    contacts = cx.load("contacts", workspace=tiny_workspace).collect()
    labels = cx.data.true_labels(tiny_workspace).rename(
        {"category": "true_l1", "category_l2": "true_l2", "category_l3": "true_l3"}
    )
    return cx.data.truth(tiny_workspace)["notes"], contacts.join(labels, on="contact_id")


def test_true_labels_cover_every_contact_with_the_contract_columns(tiny_workspace: Path) -> None:
    """One row per contact, the six columns of the contract, emotions and languages as listed."""
    labels = cx.data.true_labels(tiny_workspace)
    notes = cx.data.truth(tiny_workspace)["notes"]
    contacts = cx.load("contacts", workspace=tiny_workspace).select("contact_id").collect()
    assert labels.columns == [
        "contact_id",
        "category",
        "category_l2",
        "category_l3",
        "emotion",
        "language",
    ]
    assert labels.height == contacts.height == 13_726
    assert labels["contact_id"].sort().equals(contacts["contact_id"].sort())
    assert (
        set(labels["emotion"])
        == set(notes["emotions"])
        == {
            "angry",
            "anxious",
            "neutral",
            "satisfied",
        }
    )
    assert set(labels["language"]) == {"zh", "en"}
    assert notes["labels"] == "truth_labels.parquet"


def test_manual_labels_are_wrong_for_the_planted_share(world: tuple[dict, pl.DataFrame]) -> None:
    """The stored path differs from the true one for 25% of contacts (within four binomial
    standard errors), mostly below level 1; each level's rate equals truth.json's; every stored
    path is a path of the taxonomy."""
    notes, frame = world
    n = frame.height
    rates = {
        level: float((frame[level] != frame[true]).mean())
        for level, true in (
            ("category", "true_l1"),
            ("category_l2", "true_l2"),
            ("category_l3", "true_l3"),
        )
    }
    assert rates == pytest.approx(notes["manual_error_rate"], abs=5e-5)
    assert abs(rates["category_l3"] - 0.25) < 4 * math.sqrt(0.25 * 0.75 / n)
    # planted: 40% of wrong paths leave level 2, 12% leave level 1
    assert abs(rates["category_l2"] - 0.10) < 4 * math.sqrt(0.1 * 0.9 / n)
    assert abs(rates["category"] - 0.03) < 4 * math.sqrt(0.03 * 0.97 / n)
    valid = {(c1, c2, c3) for c1, subs in TAXONOMY.items() for c2, ls in subs.items() for c3 in ls}
    stored = set(frame.select("category", "category_l2", "category_l3").unique().iter_rows())
    assert stored <= valid and len(stored) == len(valid)


def test_emotion_follows_what_happened(world: tuple[dict, pl.DataFrame]) -> None:
    """Angry or anxious customers are far more frequent after an unresolved complaint than after
    a simple enquiry resolved at first contact, and among low than among top CSAT scores."""
    _, frame = world
    negative = pl.col("emotion").is_in(["angry", "anxious"])
    share = lambda cond: frame.filter(cond).select(negative.mean()).item()  # noqa: E731
    bad = share(pl.col("complaint_type").is_not_null() & ~pl.col("first_contact_resolution"))
    good = share(pl.col("complaint_type").is_null() & pl.col("first_contact_resolution"))
    assert bad > 0.6 and good < 0.3 and bad - good > 0.4, (bad, good)
    assert share(pl.col("csat") <= 2) - share(pl.col("csat") == 5) > 0.3
    # satisfied customers are mostly those resolved at first contact
    sat = frame.filter(pl.col("emotion") == "satisfied")
    assert sat["first_contact_resolution"].mean() > 0.85


def test_note_language_follows_the_rule(world: tuple[dict, pl.DataFrame]) -> None:
    """In a CN workspace notes are Chinese except a share by channel (email most, phone least);
    a Chinese note has Chinese characters, an English one (nearly) never."""
    notes, frame = world
    rule = notes["languages"]["other_language_by_channel"]
    en = dict(frame.group_by("channel").agg((pl.col("language") == "en").mean()).iter_rows())
    for channel, p in rule.items():
        lift = notes["languages"]["other_language_lift"]
        k = frame.filter(pl.col("channel") == channel).height
        assert p - 4 * math.sqrt(p / k) < en[channel] < p + lift, channel
    assert en["email"] > en["chat"] > en["phone"]
    han = pl.col("note").str.contains(r"\p{Han}")
    written = frame.filter(pl.col("note").is_not_null())
    assert written.filter(pl.col("language") == "zh").select(han.mean()).item() > 0.98
    assert written.filter(pl.col("language") == "en").select(han.mean()).item() < 0.02


def test_notes_vary_and_carry_the_planted_personal_data(world: tuple[dict, pl.DataFrame]) -> None:
    """Abandoned contacts have no note; about 1% of answered ones neither; short and long notes,
    English product words in Chinese notes, typos; the fake phone numbers, e-mails and ID
    numbers found by pattern are exactly those truth.json counts, and the scrubber of published
    text replaces them all."""
    notes, frame = world
    assert frame.filter(pl.col("abandoned"))["note"].null_count() == frame["abandoned"].sum()
    answered = frame.filter(~pl.col("abandoned"))
    assert 0.005 < answered["note"].null_count() / answered.height < 0.02
    written = answered["note"].drop_nulls()
    length = written.str.len_chars()
    assert 0.08 < ((length >= 5) & (length <= 10)).mean() < 0.16
    assert (length >= 40).mean() > 0.1 and length.max() > 70
    zh = answered.filter((pl.col("language") == "zh") & pl.col("note").is_not_null())["note"]
    assert 0.15 < zh.str.contains(r"[A-Za-z]{3,}").mean() < 0.5
    assert zh.str.contains("帐单|登陆|定单|以经|投述|客护|处里").sum() > 20
    patterns = {
        "phone": r"138-0000-\d{4}",
        "email": r"user\d+@example\.(com|org)",
        "id_number": r"100000(19|20)\d{9}X",
    }
    found = {k: int(written.str.contains(p).sum()) for k, p in patterns.items()}
    assert found == notes["personal_data"]["counts"]
    assert all(v > 20 for v in found.values())
    # the published pages' scrubber finds every one of them (a CN workspace)
    from cxlab._present._scrub import scrub_text

    planted = written.filter(written.str.contains("|".join(patterns.values())))
    scrubbed = [scrub_text(text) for text in planted]
    assert not any(re.search("|".join(patterns.values()), text) for text in scrubbed)


@pytest.mark.slow
def test_a_text_classifier_recovers_level_1_but_not_every_note(
    world: tuple[dict, pl.DataFrame],
) -> None:
    """A character n-gram linear classifier trained on 70% of the notes with their true labels
    finds the true level 1 of 90% to 99% of the others (ambiguous, vague and placeholder
    notes keep it below 100%); level 3 is clearly harder (about 20 s on the tiny workspace)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    _, frame = world
    data = frame.filter(pl.col("note").is_not_null()).sort("contact_id")
    x = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2), min_df=2).fit_transform(
        data["note"].to_list()
    )
    cut = int(0.7 * data.height)
    accuracy = {}
    for level in ("true_l1", "true_l3"):
        y = data[level].to_numpy()
        model = LinearSVC(C=0.5).fit(x[:cut], y[:cut])
        accuracy[level] = float((model.predict(x[cut:]) == y[cut:]).mean())
    assert 0.90 < accuracy["true_l1"] < 0.99, accuracy
    assert accuracy["true_l3"] < accuracy["true_l1"] - 0.1, accuracy


@pytest.mark.parametrize("header", ["note", "备注", "工单内容", "通话小结", "服务小记"])
def test_an_export_note_column_is_proposed_and_stored_whole(tmp_path: Path, header: str) -> None:
    """A note column (its English or Chinese header) is mapped to ``note``; a 20,000-character
    note with commas, quotes and line breaks is stored as it is."""
    rows = make_corpus.contacts(4)
    texts = ["客户来电，退款未到账。", "", 'said "call back", later\nsecond line', "长" * 20_000]
    for row, text in zip(rows, texts, strict=True):
        row[header] = text
        for column in ("arrived_at", "answered_at", "resolved_at"):  # Beijing time, naive
            row[column] = row[column][:19].replace("T", " ")
    path = tmp_path / "contacts.csv"
    path.write_text(make_corpus._csv_text(rows), encoding="utf-8")
    frame = pl.read_csv(path, infer_schema=False)
    proposed = yaml.safe_load(cx.data.propose_mapping(frame, "contacts"))
    assert proposed["columns"]["note"] == header
    mapping = tmp_path / "map.yaml"
    mapping.write_text(yaml.safe_dump(proposed, allow_unicode=True), encoding="utf-8")
    cx.data.ingest(path, "contacts", mapping=mapping, workspace=tmp_path / "ws")
    stored = cx.load("contacts", workspace=tmp_path / "ws").collect().sort("contact_id")
    assert stored.schema["note"] == pl.Utf8
    assert stored["note"].to_list() == [texts[0], None, texts[2], texts[3]]


def test_a_parquet_note_is_kept_as_is(tmp_path: Path) -> None:
    """A Parquet export's ``note`` column is stored whole, nulls included."""
    frame = make_corpus._typed(make_corpus.contacts(3), "contacts").with_columns(
        note=pl.Series(["x" * 50_000, None, "通话小结：客户要求退款 refund"])
    )
    path = tmp_path / "contacts.parquet"
    frame.write_parquet(path)
    cx.data.ingest(path, "contacts", workspace=tmp_path / "ws")
    stored = cx.load("contacts", workspace=tmp_path / "ws").collect().sort("contact_id")
    assert stored["note"].to_list() == frame["note"].to_list()
    assert re.fullmatch("x{50000}", stored["note"][0])
