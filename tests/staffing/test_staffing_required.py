"""Agents required: monotone in volume and target, occupancy, shrinkage, concurrency, ASA."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

import cxlab.staffing as st
from cxlab import OptionError

volumes = hs.floats(min_value=0.0, max_value=3000.0, allow_nan=False)
ahts = hs.floats(min_value=30.0, max_value=1200.0)
patiences = hs.one_of(hs.none(), hs.floats(min_value=20.0, max_value=1000.0))


@settings(max_examples=60, deadline=None)
@given(v1=volumes, v2=volumes, aht=ahts, target=hs.floats(0.5, 0.95), patience=patiences)
def test_agents_never_fall_as_volume_rises(v1, v2, aht, target, patience):
    """More contacts never need fewer agents (Erlang C and Erlang A service levels fall as
    traffic rises at fixed staffing; the occupancy floor rises with traffic)."""
    lo, hi = sorted((v1, v2))
    kw = dict(
        every="30m",
        aht_seconds=aht,
        sl_target=target,
        sl_seconds=20,
        patience_seconds=patience,
    )
    assert st.agents_required(lo, **kw).agents <= st.agents_required(hi, **kw).agents


@settings(max_examples=60, deadline=None)
@given(
    v=volumes,
    aht=ahts,
    t1=hs.floats(0.5, 0.95),
    t2=hs.floats(0.5, 0.95),
    s1=hs.floats(5.0, 120.0),
    s2=hs.floats(5.0, 120.0),
    patience=patiences,
)
def test_agents_never_rise_as_target_loosens(v, aht, t1, t2, s1, s2, patience):
    """A looser target (a lower share, or more seconds to answer in) never needs more agents."""
    strict = dict(sl_target=max(t1, t2), sl_seconds=min(s1, s2))
    loose = dict(sl_target=min(t1, t2), sl_seconds=max(s1, s2))
    kw = dict(every="30m", aht_seconds=aht, patience_seconds=patience)
    assert (
        st.agents_required(v, **loose, **kw).agents <= st.agents_required(v, **strict, **kw).agents
    )


def test_the_answer_is_minimal():
    """The agents found meet the target and one fewer does not (unless the occupancy cap binds)."""
    vol = np.linspace(5, 600, 40)
    r = st.agents_required(
        vol, every="30m", aht_seconds=240, sl_target=0.8, sl_seconds=20, max_occupancy=1.0
    )
    a = vol * 240 / 1800
    assert np.all(st.service_level(a, r.agents, 240, 20) >= 0.8)
    assert np.all(st.service_level(a, r.agents - 1, 240, 20) < 0.8)


def test_occupancy_cap_shrinkage_and_concurrency():
    """The cap binds at low service targets: agents >= traffic / cap. Shrinkage divides.
    Two chats at once halve the agents (servers = agents x concurrency), rounded up."""
    r = st.agents_required(
        300, every="30m", aht_seconds=300, sl_target=0.5, sl_seconds=60, max_occupancy=0.8
    )
    assert r.agents == int(np.ceil(50 / 0.8))
    one = st.agents_required(
        200, every="30m", aht_seconds=600, sl_target=0.8, sl_seconds=60, shrinkage=0.0
    )
    two = st.agents_required(
        200,
        every="30m",
        aht_seconds=600,
        sl_target=0.8,
        sl_seconds=60,
        shrinkage=0.0,
        concurrency=2,
    )
    assert two.agents == int(np.ceil(one.agents / 2))
    r = st.agents_required(
        100, every="30m", aht_seconds=180, sl_target=0.8, sl_seconds=20, shrinkage=0.25
    )
    assert r.scheduled == pytest.approx(r.agents / 0.75)


def test_asa_target_and_both_targets():
    """An ASA target is met with the fewest agents; with both targets, the stricter one wins."""
    r = st.agents_required(100, every="30m", aht_seconds=180, asa_target=10, max_occupancy=1.0)
    assert st.asa(10.0, r.agents, 180) <= 10 < st.asa(10.0, r.agents - 1, 180)
    both = st.agents_required(
        100, every="30m", aht_seconds=180, asa_target=2, sl_target=0.8, sl_seconds=20
    )
    only_sl = st.agents_required(100, every="30m", aht_seconds=180, sl_target=0.8, sl_seconds=20)
    assert both.agents >= only_sl.agents
    assert st.asa(10.0, both.agents, 180) <= 2


def test_abandonment_needs_fewer_agents_than_erlang_c():
    """Erlang A never needs more agents than Erlang C for the same target (callers who hang up
    relieve the queue); Garnett, Mandelbaum & Reiman (2002) show Erlang C overstaffs."""
    vol = np.array([20.0, 100.0, 400.0, 1500.0])
    kw = dict(every="30m", aht_seconds=300, sl_target=0.8, sl_seconds=20, max_occupancy=1.0)
    c = st.agents_required(vol, **kw).agents
    a = st.agents_required(vol, patience_seconds=120, **kw).agents
    assert np.all(a <= c) and np.any(a < c)


def test_bad_targets_are_refused():
    with pytest.raises(OptionError, match="sl_target"):
        st.agents_required(10, every="30m", aht_seconds=180)
    with pytest.raises(OptionError, match="go together"):
        st.agents_required(10, every="30m", aht_seconds=180, sl_target=0.8)
    with pytest.raises(OptionError, match="strictly between"):
        st.agents_required(10, every="30m", aht_seconds=180, sl_target=1.0, sl_seconds=20)
    with pytest.raises(OptionError, match="shrinkage"):
        st.agents_required(10, every="30m", aht_seconds=180, asa_target=20, shrinkage=1.0)


def test_importing_staffing_stays_light():
    """scipy is imported where it is used, so `cx.staffing` loads without it."""
    import subprocess
    import sys

    code = "import sys, cxlab.staffing; print(any(m.startswith('scipy') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
