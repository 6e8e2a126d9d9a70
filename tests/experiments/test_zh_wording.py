"""The Chinese interventions appendix in words a head of service follows: no untranslated
method names, and the single-region placebo argument said as one line of reasoning."""

from __future__ import annotations

import pytest

import cxlab as cx
from cxlab._present import use_language


@pytest.fixture(scope="module")
def pilot(single_region_pilot):
    return single_region_pilot


def test_single_region_argument_reads_as_reasoning(pilot) -> None:
    assert pilot.cannot_prove
    total = pilot.main.placebos.height + 1
    with use_language("zh"):
        said = " ".join(pilot.design_findings())
    assert "仅凭运气就总有" not in said
    assert "总会有一个地区纯属偶然显得差距最大" in said
    assert "安慰剂检验要问的是，试点地区的差距是否比这种偶然还大" in said
    assert f"p值也只能小到1/{total}，仍高于结论要求的1/20" in said


def test_no_untranslated_delta_method(tiny_workspace, pilot) -> None:
    contacts = cx.load("contacts", workspace=tiny_workspace)
    with use_language("zh"):
        details = cx.experiments.power(contacts, metric="fcr_reported", max_weeks=2).details()
        said = " ".join(details + pilot.findings() + pilot.check_findings())
    assert "delta" not in said.lower()
    assert any("德尔塔法" in d for d in details)
