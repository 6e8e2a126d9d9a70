"""The report header lists the run's parameters with the language's punctuation."""

from __future__ import annotations

from cxlab._present import use_language
from cxlab.runner._render import _header


def _meta(language: str) -> str:
    with use_language(language):
        return _header("T", None, None, {"language": "zh", "period": "2026-10"}, "0", "r", [])


def test_chinese_header_uses_full_width_colon_and_separator() -> None:
    zh = _meta("zh")
    assert "语言：中文" in zh and "语言: " not in zh
    assert "；" in zh and "; " not in zh


def test_english_header_keeps_the_ascii_colon() -> None:
    en = _meta("en")
    assert "Language: " in en and "; " in en
