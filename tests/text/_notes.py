"""Labelled contact notes for the text room's tests: Chinese and English, four emotions, some
phrasings a word list does not know, some notes with no cue at all, a few personal data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

TOPICS = {
    "billing": (["话费多扣了", "账单金额不对", "重复扣费"], ["charged twice", "wrong bill amount"]),
    "delivery": (
        ["快递还没到", "物流三天没更新", "包裹丢了"],
        ["parcel not delivered", "tracking stuck"],
    ),
    "network": (
        ["家里宽带断网", "信号很差", "网速很慢"],
        ["internet keeps dropping", "no signal at home"],
    ),
    "account": (["密码重置不了", "账号被锁", "无法登录"], ["cannot log in", "account locked"]),
}
CUES = {
    "angry": (
        ["气死了", "太离谱了", "要投诉", "你们怎么回事", "再这样就销户", "态度恶劣"],
        ["this is unacceptable", "I am furious", "worst service ever", "fed up with you"],
    ),
    "anxious": (
        ["很着急", "什么时候能处理", "能不能快点", "明天就要用", "担心影响使用"],
        ["please hurry", "I am worried", "when will it be fixed", "need it by tomorrow"],
    ),
    "neutral": (["客户来电咨询", "已记录", "请核实"], ["customer asked about it", "noted"]),
    "satisfied": (
        ["问题已解决，客户表示感谢", "很满意", "处理得很快，点赞"],
        ["resolved, customer thanked us", "very happy with the help", "all sorted, great"],
    ),
}


def notes(
    n: int, *, seed: int = 0, start: dt.date = dt.date(2026, 1, 1), days: int = 120
) -> pl.DataFrame:
    """``n`` labelled notes: contact_id, customer_id, arrived_at, category, emotion, note."""
    rng = np.random.default_rng(seed)
    emotions = list(CUES)
    topic_names = list(TOPICS)
    rows = []
    for i in range(n):
        emotion = emotions[rng.choice(4, p=[0.2, 0.2, 0.35, 0.25])]
        topic = topic_names[rng.integers(4)]
        zh = rng.random() < 0.7
        lang = 0 if zh else 1
        body = TOPICS[topic][lang][rng.integers(len(TOPICS[topic][lang]))]
        cue_list = CUES[emotion][lang]
        cue = cue_list[rng.integers(len(cue_list))] if rng.random() > 0.1 else ""
        sep = "，" if zh else ", "
        text = sep.join(x for x in (body, cue) if x)
        arrived = dt.datetime.combine(start, dt.time(9), dt.UTC) + dt.timedelta(
            days=int(rng.integers(days)), minutes=int(rng.integers(600))
        )
        rows.append(
            (f"K{i:06d}", f"C{int(rng.integers(n // 3 + 1)):05d}", arrived, topic, emotion, text)
        )
    return pl.DataFrame(
        rows,
        schema={
            "contact_id": pl.Utf8,
            "customer_id": pl.Utf8,
            "arrived_at": pl.Datetime("us", "UTC"),
            "category": pl.Utf8,
            "emotion": pl.Utf8,
            "note": pl.Utf8,
        },
        orient="row",
    )
