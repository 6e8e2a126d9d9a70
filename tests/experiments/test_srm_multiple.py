"""The sample-ratio check and the multiple-comparison corrections against published numbers."""

from __future__ import annotations

import numpy as np
import pytest

from cxlab.experiments import adjust, srm_check


def test_srm_reproduces_kohavi_example():
    """Kohavi, Tang & Xu (2020), Trustworthy Online Controlled Experiments, ch. 3 (SRM example):
    control 821,588 and treatment 815,482 users under a 50/50 design give p = 1.8e-6.
    Tolerance: the two significant figures the book prints."""
    res = srm_check({"control": 821_588, "treatment": 815_482})
    assert res.p_value == pytest.approx(1.8e-6, rel=0.05)
    assert not res.passed
    assert res.status == "failed"
    assert "not the sizes the random split promised" in res.findings()[0]
    assert "mismatch" in res.details()[0] and "p = <0.001" in res.details()[0]


def test_srm_near_the_threshold_is_borderline():
    """p between the threshold (0.001) and ten times it is said to be borderline, not passed."""
    res = srm_check({"control": 5160, "treatment": 4840})  # chi-square 10.24, p = 0.0014
    assert res.passed and res.status == "borderline"
    assert "not quite" in res.findings()[0]


def test_srm_passes_a_fair_split_and_uses_planned_shares():
    assert srm_check({"control": 5000, "treatment": 5040}).passed
    assert srm_check({"a": 2000, "b": 8000}, expected={"a": 0.2, "b": 0.8}).passed
    assert not srm_check({"a": 2000, "b": 8000}).passed


@pytest.mark.parametrize("correction,sm_method", [("holm", "holm"), ("bh", "fdr_bh")])
def test_adjust_matches_statsmodels(correction, sm_method):
    """Holm (1979) and Benjamini-Hochberg (1995) adjusted p-values equal statsmodels'
    ``multipletests`` to 1e-12."""
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(1).uniform(0, 0.2, 12)
    assert adjust(p, correction=correction) == pytest.approx(
        multipletests(p, method=sm_method)[1], abs=1e-12
    )


def test_adjust_rejects_an_unknown_correction():
    from cxlab import OptionError

    with pytest.raises(OptionError, match=r"correction='bonferonni'.*'holm'"):
        adjust([0.1], correction="bonferonni")


def test_adjust_method_is_the_old_name_of_correction():
    """``method=`` still works for one minor version: it warns, naming ``correction=``, and gives
    the same adjusted p-values."""
    p = [0.01, 0.04, 0.03]
    with pytest.warns(DeprecationWarning, match="correction="):
        old = adjust(p, method="bh")
    assert old.tolist() == adjust(p, correction="bh").tolist()
