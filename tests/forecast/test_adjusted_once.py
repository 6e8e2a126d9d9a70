"""DailyProfile adjusts its fitted history for calendar effects once per fit, with the same
forecasts, bands and settings as when it adjusted it again for the fit after tuning."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import cxlab as cx
from cxlab.forecast._models import DailyProfile


@pytest.fixture(scope="module")
def inputs(tiny_workspace):
    tz = cx.data.truth(tiny_workspace)["time_zone"]
    queues = cx.load("queues", workspace=tiny_workspace).collect()
    events = cx.load("events", workspace=tiny_workspace).collect()
    series = cx.features.volume_series(
        cx.load("contacts", workspace=tiny_workspace), every="60m", hours=queues, time_zone=tz
    )
    keep = sorted(series["series_id"].unique().to_list())[:2]
    return series.filter(pl.col("series_id").is_in(keep)), events


def _fit(series, events):
    model = DailyProfile(events=events).fit(series)
    return model, model.predict(level=(80, 95))


def test_fit_is_the_same_as_adjusting_twice(inputs, monkeypatch):
    """Exact equality (forecast frame, tuned settings, calibration residuals) with the earlier
    path, where tuning and fitting each adjusted the history."""
    series, events = inputs
    calls = {"n": 0}
    now = DailyProfile._adjusted_now

    def counted(self, panel):
        calls["n"] += 1
        return now(self, panel)

    monkeypatch.setattr(DailyProfile, "_adjusted_now", counted)
    new, new_frame = _fit(series, events)
    cached_calls = calls["n"]
    calls["n"] = 0
    monkeypatch.setattr(DailyProfile, "_adjusted", counted)
    old, old_frame = _fit(series, events)
    assert cached_calls == calls["n"] - 2  # once fewer for each of the two series
    assert new_frame.height > 0
    assert new_frame.equals(old_frame)
    assert new.settings == old.settings
    for sid, r in old._residuals.items():
        np.testing.assert_array_equal(new._residuals[sid], r)
    # a refit on other data adjusts that data, not the kept history
    shorter = series.filter(pl.col("ts") < series["ts"].max() - pl.duration(days=7))
    _, refit = _fit(shorter, events)  # the earlier path (still patched)
    monkeypatch.undo()
    new.fit(shorter)  # kept entries belong to the longer history's panels
    again = new.predict(level=(80, 95))
    assert again.height > 0 and again.equals(refit)
    assert not again.equals(new_frame)
