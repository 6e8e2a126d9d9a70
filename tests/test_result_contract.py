"""One result contract over every public result class of every room.

A result shows itself five ways (STYLE.md 3): ``summary()`` a tidy polars table in the shared
vocabulary, ``plot()`` a plotly Figure in the house template with something drawn, ``findings()``
sentences (ending as sentences, in English and in Chinese), ``to_dict()`` strict JSON for a run's
metrics and ``_repr_html_()`` escaped HTML in both languages; ``headline()`` gives
:class:`cxlab.Headline` cards. Each room's results are built once on the tiny workspace, the way
the notebooks build them, and every class found by introspection must be built here, so a new
result class cannot escape the contract.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import pytest

import cxlab as cx
from cxlab._present import use_language
from cxlab._result import Result

ROOMS = ("forecast", "staffing", "experiments", "churn", "nps", "text", "review")
CONTRACT = ("summary", "plot", "findings", "to_dict", "_repr_html_")
# exported classes with one of the contract's method names that are not results
NOT_RESULTS = {
    "staffing.QueueSettings": "the Erlang inputs of the queues; summary() lists them as a table",
}
# results whose headline() is empty by design
NO_HEADLINE = {
    "churn.NotEstimated": "stands in for a result the data could not support; no card is shown",
}
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
SENTENCE_END = re.compile(r"[.!?。！？…][\"'”’)）」』]*$")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# the vocabulary of estimates (STYLE.md 5) and the spellings it replaces
NUMERIC = ("estimate", "std_error", "ci_low", "ci_high", "p_value")
NOT_OUR_WORDS = {
    "pvalue",
    "p_val",
    "pval",
    "se",
    "std_err",
    "stderr",
    "lower",
    "upper",
    "ci_lower",
    "ci_upper",
    "lo",
    "hi",
    "conf_low",
    "conf_high",
}


# -- discovery -----------------------------------------------------------------------------------


def _name(cls: type) -> str:
    """``cxlab.churn._cox.CoxResult`` -> ``churn.CoxResult`` (the room and the class)."""
    return f"{cls.__module__.split('.')[1]}.{cls.__name__}"


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _import_rooms() -> tuple[dict[str, object], dict[str, str]]:
    rooms, broken = {}, {}
    for room in ROOMS:
        try:
            rooms[room] = importlib.import_module(f"cxlab.{room}")
        except ModuleNotFoundError as exc:
            if exc.name != f"cxlab.{room}":  # a room that exists but does not import
                broken[room] = f"{type(exc).__name__}: {exc}"
        except Exception as exc:
            broken[room] = f"{type(exc).__name__}: {exc}"
    return rooms, broken


ROOM_MODULES, BROKEN_ROOMS = _import_rooms()


def discovered() -> set[str]:
    """Every public result class: exported by a room (``__all__``) with one of the contract's
    methods, and every public subclass of :class:`cxlab._result.Result` (exported or returned)."""
    found = set()
    for module in ROOM_MODULES.values():
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if isinstance(obj, type) and any(hasattr(obj, m) for m in CONTRACT):
                found.add(_name(obj))
    found |= {
        _name(c)
        for c in _subclasses(Result)
        if c.__module__.startswith("cxlab.") and not c.__name__.startswith("_")
    }
    return found - set(NOT_RESULTS)


RESULT_CLASSES = sorted(discovered())


# -- building every result once, as the notebooks do ---------------------------------------------


@pytest.fixture(scope="session")
def ws(tiny_workspace: Path) -> Path:
    return tiny_workspace


def _load(ws: Path, table: str) -> pl.LazyFrame:
    return cx.load(table, workspace=ws)


def _build_forecast(ws: Path) -> list:
    contacts = _load(ws, "contacts")
    queues = _load(ws, "queues").collect()
    events = _load(ws, "events").collect()
    series = cx.features.volume_series(contacts, every="30m", hours=queues)
    forecast = cx.forecast.refresh(series, events=events, hierarchy=queues, horizon=7)
    return [forecast, forecast.backtest, forecast.components()]


def _build_staffing(ws: Path, forecast) -> list:
    contacts = _load(ws, "contacts")
    queues = _load(ws, "queues").collect()
    targets = _load(ws, "targets").collect()
    settings = cx.staffing.queue_settings(queues, contacts)
    plan = cx.staffing.plan(forecast, every="30m", settings=settings)
    past = cx.staffing.plan(forecast.past_forecast(), every="30m", settings=settings)
    replay = cx.staffing.backtest(
        past, contacts, abandonment_target=cx.staffing.abandonment_targets(targets, queues)
    )
    rules = cx.staffing.ShiftRules(
        lengths=(8, 4), earliest_start="07:00", latest_start="16:00",
        breaks=(cx.staffing.Break(15, window=(90, 150)),),
    )  # fmt: skip
    shifts = cx.staffing.schedule_shifts(plan, rules, time_limit=5)
    rota = cx.staffing.roster(shifts, _load(ws, "agents").collect(), time_limit=2, open_shifts=True)
    check = cx.staffing.evaluate_shifts(shifts, plan, scenarios=20)
    return [plan, replay, cx.staffing.patience(contacts), shifts, rota, check]


def _build_experiments(ws: Path) -> list:
    ids = cx.experiments.registry(workspace=ws)["experiment_id"].to_list()
    reports = [cx.experiments.analyze(e, workspace=ws) for e in ids]
    parts = [p for r in reports for p in (r, r.main, *r.diagnostics, *r.detail.values())]
    # the single-region pilot read by synthetic DiD as well (the registry's design for several);
    # when its region lies outside the others' range the report already reads it so, and keeps
    # the synthetic control result in its detail
    pilot = next(r for r in reports if r.experiment["design"] == "synthetic_control")
    control = pilot.detail.get("synthetic_control", pilot.main)
    from cxlab._config import settings

    zone = settings(ws).time_zone
    panel = cx.experiments.kpi_panel(_load(ws, "contacts"), metric=pilot.metric, time_zone=zone)
    start = pilot.experiment["start"]
    parts.append(cx.experiments.synthetic_did(panel, treated=control.unit, start=start))
    first = reports[0]
    power = cx.experiments.power(_load(ws, "contacts"), metric=first.metric, unit=first.power_unit)
    return [*parts, cx.experiments.overview(workspace=ws), power]


def _build_churn(ws: Path) -> list:
    contacts, customers = _load(ws, "contacts"), _load(ws, "customers")
    surveys = _load(ws, "surveys")
    risk = cx.churn.at_risk(contacts, customers, surveys, as_of="latest", horizon=90)
    frame = cx.churn.survival_frame(customers, contacts)
    panel = cx.churn.customer_months(contacts, customers)
    cox_options = {
        "event": "churned",
        "covariates": cx.churn.MONTHLY_COVARIATES,
        "reference": cx.churn.MONTHLY_REFERENCE,
    }
    monthly = cx.churn.cox(panel, entry="start", duration="stop", **cox_options)
    snapshot = cx.churn.landmark_frame(contacts, customers, surveys, as_of="auto")
    landmark = cx.churn.cox(snapshot, duration="duration", **cox_options)
    too_few = cx.churn.cox(  # said in words instead of fitted
        snapshot.head(40), duration="duration", if_too_little="say", **cox_options
    )
    return [
        too_few,
        risk,
        risk.model,
        cx.churn.driver_impact(risk),
        cx.churn.cumulative_incidence(frame, target=0.85),
        cx.churn.kaplan_meier(frame, target=0.85),
        cx.churn.kaplan_meier(frame, by="segment"),
        monthly,
        landmark,
        cx.churn.ph_check(landmark),
        cx.churn.attributable_share(monthly, terms=["unresolved_complaint_90d", "low_csat_90d"]),
    ]


def _build_nps(ws: Path) -> list:
    surveys = cx.nps.tag_themes(
        cx.features.survey_features(
            _load(ws, "surveys"), customers=_load(ws, "customers"), contacts=_load(ws, "contacts")
        )
    )
    period = "latest_quarter"
    change = cx.nps.compare(surveys, period=period)
    trend = cx.nps.trend(surveys)
    drivers = cx.nps.drivers(surveys, period=period, seed=0)
    themes = cx.nps.themes(surveys, period=period)
    follow_up = cx.nps.followup(surveys, period="current_month")
    answer = cx.nps.answer(
        change, target=20.0, trend=trend, drivers=drivers, themes=themes, follow_up=follow_up
    )
    return [
        change,
        trend,
        drivers,
        themes,
        follow_up,
        answer,
        cx.nps.score(surveys),
        cx.nps.score(surveys, by="segment"),
        cx.nps.gaps(surveys, by="segment", period=period),
    ]


def _build_text_reasons(ws: Path) -> list:
    contacts = _load(ws, "contacts").collect()
    if "note" not in contacts.columns:  # a workspace made before contacts carried notes
        contacts = contacts.with_columns(
            note=pl.concat_str(
                pl.col("category_l3"),
                pl.lit(" / "),
                pl.col("channel"),
                pl.lit(" #"),
                (pl.int_range(pl.len()) % 7).cast(pl.Utf8),
            )
        )
    month = pl.col("arrived_at").dt.strftime("%Y-%m")
    last = contacts.select(month.max()).item()
    model = cx.text.train_classifier(contacts.filter(month < last).head(3000), seed=0)
    return [cx.text.evaluate(model, contacts.filter(month == last).head(1000), reps=20)]


_MOODS = {  # notes for a workspace whose contacts have none yet: one phrase per emotion
    "angry": "气死了，宽带又断了，要投诉",
    "anxious": "很着急，什么时候能修好",
    "neutral": "客户来电咨询账单",
    "satisfied": "问题已解决，客户表示感谢",
}


def _build_text_emotions(ws: Path) -> list:
    contacts = _load(ws, "contacts").collect()
    customers = _load(ws, "customers")
    if "note" in contacts.columns and hasattr(cx.data, "true_labels"):
        truth = cx.data.true_labels(ws).select("contact_id", "emotion")
        contacts = contacts.join(truth, on="contact_id", how="left")
    else:
        moods = list(_MOODS)
        mood = (
            pl.int_range(pl.len())
            .mod(len(moods))
            .replace_strict(dict(enumerate(moods)), return_dtype=pl.Utf8)
        )
        contacts = contacts.with_columns(mood.alias("emotion")).with_columns(
            pl.col("emotion").replace_strict(_MOODS, return_dtype=pl.Utf8).alias("note")
        )
    last = contacts["arrived_at"].max()
    cut = last - dt.timedelta(days=30)
    train = contacts.filter(pl.col("arrived_at") < cut).head(3000)
    later = contacts.filter(pl.col("arrived_at") >= cut)
    model = cx.text.train_emotion(train, seed=0)
    return [
        cx.text.emotions(later, model=model),
        cx.text.evaluate_emotion(model, later.head(2000), resamples=200),
        cx.text.early_warning(
            contacts, customers, model=model, days=30, tiers=("gold", "silver", "bronze")
        ),
        cx.text.emerging(contacts, by="category"),
    ]


def _build_text_report(ws: Path) -> list:
    contacts = _load(ws, "contacts")
    if "note" not in contacts.collect_schema().names():  # a workspace made before notes
        contacts = contacts.with_columns(note=pl.col("category_l3"))
    reasons = cx.text.reasons(contacts)
    accuracy = cx.text.classification(contacts, train_sample=300, eval_sample=100)
    feelings = cx.text.emotion_trend(contacts, months=2, sample=100)
    return [
        reasons,
        feelings,
        cx.text.answer(reasons, accuracy=accuracy, target=0.9, feelings=feelings),
    ]


def _build_text(ws: Path) -> list:
    return _build_text_reasons(ws) + _build_text_emotions(ws) + _build_text_report(ws)


def _with_a_bad_day(contacts: pl.LazyFrame, ws: Path) -> pl.LazyFrame:
    """Half of one queue's calls on one day abandoned after 60 s, in memory: an anomalies result
    with something to show (the tiny workspace has no unusual day of its own)."""
    tz = cx.data.truth(ws)["time_zone"]
    day = pl.col("arrived_at").dt.convert_time_zone(tz).dt.date()
    hit = (
        (pl.col("queue") == "phone_orders")
        & (day == dt.date(2026, 10, 14))
        & (pl.int_range(pl.len()) % 2 == 0)
    )
    return contacts.lazy().with_columns(
        abandoned=pl.when(hit).then(True).otherwise(pl.col("abandoned")),
        answered_at=pl.when(hit).then(None).otherwise(pl.col("answered_at")),
        wait_seconds=pl.when(hit).then(60.0).otherwise(pl.col("wait_seconds")),
    )


def _build_review(ws: Path, years: Path) -> list:
    review = cx.review.open_review(workspace=ws)
    ahead = cx.review.projection("2025-11..2026-10", workspace=years)  # needs a year and more
    contacts, period, targets = review.contacts, review.period, review.targets
    return [
        cx.review.scorecard(contacts, targets, period),
        cx.review.volume(contacts, period),
        cx.review.breakdown(contacts, period, ["fcr", "csat"], ["channel"]),
        cx.review.daily(contacts, period, "service_level", targets=targets),
        cx.review.phone(contacts, period),
        cx.review.complaints(contacts, period),
        cx.review.qa(review.qa_scores, contacts, period),
        cx.review.anomalies(_with_a_bad_day(contacts, ws), period, by="queue"),
        cx.review.ranking(contacts, period, kpi="fcr", by="team", agents=review.agents),
        # the year-end review's sections, on a year the tiny workspace covers in part
        cx.review.year_interventions("2025-11..2026-10", workspace=ws),
        cx.review.year_staffing("2025-11..2026-10", workspace=ws),
        cx.review.year_customers("2025-11..2026-10", workspace=ws),
        cx.review.next_year("latest_12_months", save=False, workspace=ws),  # too short: words
        ahead,
        cx.review.propose_targets(ahead),
        *_build_year(years),
    ]


def _build_year(years: Path) -> list:
    """The yearly review's own sections, on the workspace of three years."""
    year = cx.review.review_year(workspace=years)
    parts = [
        cx.review.year_volume(year),
        cx.review.year_kpis(year),
        cx.review.year_targets(year),
        cx.review.year_changes(year),
    ]
    return [*parts, cx.review.year_answer(*parts), cx.review.next_year(year, save=False)]


@pytest.fixture(scope="session")
def built(ws: Path, years_workspace: Path) -> dict[str, object]:
    """Each room's results (a list), or the error that stopped the room's builder."""
    out: dict[str, object] = {}

    def attempt(room: str, build, *args) -> list:
        if room in BROKEN_ROOMS:
            out[room] = RuntimeError(f"cxlab.{room} does not import: {BROKEN_ROOMS[room]}")
            return []
        try:
            out[room] = build(*args)
        except Exception as exc:  # reported by each class of the room
            out[room] = exc
        return out[room] if isinstance(out[room], list) else []

    with use_language("en"):
        forecasts = attempt("forecast", _build_forecast, ws)
        if forecasts:
            attempt("staffing", _build_staffing, ws, forecasts[0])
        else:
            out["staffing"] = RuntimeError("no forecast to plan staffing from")
        attempt("experiments", _build_experiments, ws)
        attempt("churn", _build_churn, ws)
        attempt("nps", _build_nps, ws)
        attempt("text", _build_text, ws)
        attempt("review", _build_review, ws, years_workspace)
    return out


def _instances(built: dict[str, object], name: str) -> list:
    room = name.split(".")[0]
    made = built.get(room)
    if isinstance(made, Exception):
        pytest.fail(f"building the {room} results failed: {type(made).__name__}: {made}")
    found = [r for r in made or [] if _name(type(r)) == name]
    assert found, f"no builder of this file makes a {name}: add one to _build_{room}"
    return found


def test_every_room_imports() -> None:
    assert BROKEN_ROOMS == {}


def test_the_classes_covered_are_the_classes_discovered(built: dict[str, object]) -> None:
    """Every result class discovered by introspection is built here, and nothing else."""
    covered = {_name(type(r)) for made in built.values() if isinstance(made, list) for r in made}
    failed = sorted(room for room, made in built.items() if isinstance(made, Exception))
    assert failed == [], {room: repr(built[room]) for room in failed}
    assert sorted(covered) == sorted(discovered())  # again: building may import more classes
    assert {"forecast.ForecastResult", "review.Scorecard", "nps.NpsScore"} <= set(covered)


def test_discovery_sees_results_that_are_not_exported() -> None:
    """A public Result subclass that a room returns but does not export is found too."""

    class ProbeResult(Result):
        pass

    ProbeResult.__module__ = "cxlab.forecast._probe"
    try:
        assert "forecast.ProbeResult" in discovered()
    finally:
        ProbeResult.__module__ = __name__  # no longer under cxlab: out of discovery
    assert "forecast.ProbeResult" not in discovered()


# -- the contract ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", RESULT_CLASSES)
def test_summary_is_a_tidy_table_in_the_shared_vocabulary(built, name: str) -> None:
    for result in _instances(built, name):
        table = result.summary()
        assert isinstance(table, pl.DataFrame), type(table)
        assert table.height > 0 and table.width > 0, table
        odd = [c for c in table.columns if not SNAKE.match(c)]
        assert odd == [], f"columns not in snake_case: {odd}"
        foreign = sorted(set(table.columns) & NOT_OUR_WORDS)
        assert foreign == [], f"say estimate, std_error, ci_low, ci_high, p_value, not {foreign}"
        assert ("ci_low" in table.columns) == ("ci_high" in table.columns), table.columns
        for column in (c for c in NUMERIC if c in table.columns):
            assert table.schema[column].is_numeric(), f"{column} is {table.schema[column]}"
        if "p_value" in table.columns:
            p = table["p_value"].drop_nulls().drop_nans()
            assert p.is_empty() or (p.min() >= 0 and p.max() <= 1), p
        if {"ci_low", "ci_high"} <= set(table.columns) and table.schema["ci_low"].is_numeric():
            both = table.select("ci_low", "ci_high").drop_nulls().drop_nans()
            assert (both["ci_low"] <= both["ci_high"]).all(), both


@pytest.mark.parametrize("name", RESULT_CLASSES)
def test_plot_is_a_figure_in_the_house_template(built, name: str) -> None:
    for result in _instances(built, name):
        figure = result.plot()
        assert isinstance(figure, go.Figure), type(figure)
        assert len(figure.data) >= 1, "nothing drawn"
        assert figure.layout.template == cx.viz.house_template(), "not in the house template"


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("name", RESULT_CLASSES)
def test_findings_are_sentences(built, name: str, language: str) -> None:
    for result in _instances(built, name):
        with use_language(language):
            found = result.findings()
        assert isinstance(found, list) and found, found
        bad = [s for s in found if not isinstance(s, str) or not s.strip()]
        assert bad == [], "a finding that is not a non-empty string"
        unfinished = [s for s in found if not SENTENCE_END.search(s.strip())]
        assert unfinished == [], "findings that do not end as a sentence"
        if language == "zh":  # said when shown, in the reader's language (not when computed)
            untranslated = [s for s in found if not CHINESE.search(s)]
            assert untranslated == [], "findings not in Chinese"


@pytest.mark.parametrize("name", RESULT_CLASSES)
def test_to_dict_is_strict_json(built, name: str) -> None:
    for result in _instances(built, name):
        data = result.to_dict()
        assert isinstance(data, dict) and data
        json.dumps(data, allow_nan=False)


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("name", RESULT_CLASSES)
def test_html_renders_escaped(built, name: str, language: str) -> None:
    for result in _instances(built, name):
        with use_language(language):
            markup = result._repr_html_()
        assert isinstance(markup, str)
        text = re.sub(r"<style.*?</style>|<[^>]+>", " ", markup, flags=re.S)
        assert text.strip(), "HTML with nothing to read"
        assert "<script" not in markup.lower()


@pytest.mark.parametrize("name", RESULT_CLASSES)
def test_headline_gives_cards(built, name: str) -> None:
    """``headline()`` gives Headline cards; a class that defines it gives some for at least one
    of the results built (a result by group may have no single headline)."""
    given = []
    for result in _instances(built, name):
        cards = result.headline()
        assert isinstance(cards, list)
        assert all(isinstance(c, cx.Headline) for c in cards), [type(c) for c in cards]
        json.dumps([c.to_dict() for c in cards], allow_nan=False)
        given += cards
    defines = type(result).headline is not Result.headline
    if defines and name not in NO_HEADLINE:
        assert given, "headline() is defined but gives no card"


# -- what the base class owns: figures in the house style, JSON-safe values -------------------------


def test_drawing_methods_give_house_figures_without_touching_plotly_defaults() -> None:
    """plot, plot_* and *_plot return figures in the house template; a template the author chose
    stays; what is not a figure passes through; plotly's defaults are as they were."""
    import datetime as dt

    import numpy as np
    import plotly.io as pio

    from cxlab._result import json_safe

    before = (pio.renderers.default, pio.templates.default)

    class Drawn(Result):
        def plot(self):
            return go.Figure(go.Bar(x=[1], y=[2]))

        def plot_chosen(self):
            return go.Figure(go.Bar(x=[1], y=[2]), layout={"template": "simple_white"})

        def weekly_plot(self):
            return go.Figure(go.Scatter(x=[1], y=[2]))

        def plotted_words(self):  # not a drawing method by its name
            return go.Figure()

        def plot_nothing(self):
            return None

    drawn = Drawn()
    house = cx.viz.house_template()
    assert drawn.plot().layout.template == house
    assert drawn.weekly_plot().layout.template == house
    assert drawn.plot_chosen().layout.template == pio.templates["simple_white"]
    assert drawn.plotted_words().layout.template != house
    assert drawn.plot_nothing() is None
    assert Drawn.plot.__name__ == "plot" and Drawn.plot.__cx_draws__
    assert (pio.renderers.default, pio.templates.default) == before

    value = {
        1: float("nan"),
        "when": dt.date(2026, 10, 1),
        "n": np.int64(3),
        "xs": np.array([1.5, np.inf]),
        "t": (1, 2),
    }
    assert json_safe(value) == {
        "1": None,
        "when": "2026-10-01",
        "n": 3,
        "xs": [1.5, None],
        "t": [1, 2],
    }
    json.dumps(json_safe(value), allow_nan=False)
