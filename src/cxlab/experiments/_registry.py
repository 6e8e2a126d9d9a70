"""The experiment registry says which design applies; :func:`analyze` runs the matching analysis."""

from __future__ import annotations

import os
from typing import Literal

import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._options import check_alpha, check_option
from cxlab._present import N_
from cxlab.experiments._ab import ab_test, undeclared
from cxlab.experiments._did import did
from cxlab.experiments._its import its
from cxlab.experiments._panel import kpi_panel
from cxlab.experiments._report import ExperimentReport
from cxlab.experiments._sdid import SyntheticDiDResult, synthetic_did
from cxlab.experiments._sequential import sequential
from cxlab.experiments._staggered import staggered_did
from cxlab.experiments._synthetic import synthetic_control
from cxlab.experiments._text import Phrase, find
from cxlab.experiments._units import unit_metrics

GUARDRAILS_SCHEMA = {
    "metric": pl.Utf8,
    "estimate": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "harmful": pl.Boolean,
}
"""The guardrails table of a pilot's report: each protected metric's effect and whether it harmed."""

Design = Literal[
    "ab", "cluster_ab", "did", "staggered_did", "synthetic_control", "synthetic_did", "its"
]

# The registry names KPIs by their everyday name; some are measured with a dictionary variant.
METRIC_MAP = {"fcr": "fcr_reported"}
METRIC_NOTE = {
    "fcr": N_(
        "First-contact resolution is read from the service system's own resolution flag, the "
        "outcome the change acts on. The stricter reading (resolved only if the customer does not "
        "contact us again within 7 days) is a different, later measure."
    )
}


def registry(*, workspace: str | os.PathLike | None = None, local: bool = False) -> pl.DataFrame:
    """The experiments registry, most recent start first.

    ``local=True`` shows ``start`` and ``end`` in the workspace's time zone (stored in UTC).
    """
    from cxlab._config import settings
    from cxlab.data import load

    reg = load("experiments", workspace=workspace).collect().sort("start", descending=True)
    if local:
        tz = settings(workspace).time_zone
        reg = reg.with_columns(pl.col("start", "end").dt.convert_time_zone(tz))
    return reg


def _scope(row: dict) -> tuple[str, ...] | None:
    """Channels a change can touch: an IVR (interactive voice response) change concerns phone only."""
    text = f"{row['name']} {row.get('description') or ''}"
    return ("phone",) if "IVR" in text else None


def analyze(
    experiment_id: str | None = None,
    *,
    workspace: str | os.PathLike | None = None,
    alpha: float = 0.05,
    correction: Literal["holm", "bh", "none"] = "holm",
    time_zone: str | None = None,
) -> ExperimentReport:
    """Analyse one registered intervention with the design the registry gives it.

    Parameters
    ----------
    experiment_id
        An id from the registry; ``None`` or ``""`` takes the most recent start.
    workspace
        The workspace folder (the current one by default).

    alpha
        Every interval is a ``1 - alpha`` confidence interval and every test of the design
        (effect, pre-trends, placebos) is read at ``alpha``.
    correction
        Multiple-comparison correction of a randomised test's primary comparisons: ``"holm"``,
        ``"bh"`` or ``"none"``.
    time_zone
        The zone days and weeks are cut in; the workspace's when ``None``.

    Returns
    -------
    ExperimentReport
        The verdict (ship / do not ship / not enough evidence yet / no direction declared), the
        primary effect in the metric's units with its interval, diagnostics (SRM, pre-trends,
        placebos), guardrails and the design's own result.

    Examples
    --------
    >>> import cxlab as cx  # doctest: +SKIP
    >>> cx.experiments.analyze("EXP-AB-ROUTING").verdict  # doctest: +SKIP
    'ship'
    """
    from cxlab._config import settings
    from cxlab.data import load

    alpha = check_alpha(alpha)
    check_option("correction", correction, Literal["holm", "bh", "none"])
    reg = registry(workspace=workspace)
    if reg.height == 0:
        raise NotEnoughDataError("the experiments registry is empty.")
    if not experiment_id:
        experiment_id = reg["experiment_id"][0]
    rows = reg.filter(pl.col("experiment_id") == experiment_id)
    if rows.height == 0:
        raise OptionError(
            f"experiment_id={experiment_id!r} is not in the registry; choose one of "
            + ", ".join(repr(x) for x in reg["experiment_id"].to_list())
            + "."
        )
    row = rows.row(0, named=True)
    design = check_option("design", row["design"], Design)
    tz = time_zone or settings(workspace).time_zone
    from zoneinfo import ZoneInfo

    row = {
        **row,
        "local_start": row["start"].astimezone(ZoneInfo(tz)),
        "local_end": row["end"].astimezone(ZoneInfo(tz)),
    }
    contacts = load("contacts", workspace=workspace)
    # the newest contact: a change whose end is later is still running, read on the data so far
    last = contacts.select(pl.col("arrived_at").max()).collect().item()
    if last is not None:
        row["data_end"] = last.astimezone(ZoneInfo(tz)) if last.tzinfo else last
    assignments = load("assignments", workspace=workspace).filter(
        pl.col("experiment_id") == experiment_id
    )
    registered = row["primary_metric"]
    metric = METRIC_MAP.get(registered, registered)
    guards = [
        METRIC_MAP.get(g.strip(), g.strip())
        for g in (row["guardrails"] or "").split(",")
        if g.strip()
    ]
    guards = [g for g in guards if g != metric]
    notes = tuple(
        METRIC_NOTE[k]
        for k in {registered, *(g.strip() for g in (row["guardrails"] or "").split(","))}
        if k in METRIC_NOTE
    )
    args = dict(
        row=row,
        metric=metric,
        guards=guards,
        contacts=contacts,
        assignments=assignments,
        tz=tz,
        alpha=alpha,
    )
    if design in ("ab", "cluster_ab"):
        return _randomised(**args, correction=correction, notes=notes, workspace=workspace)
    return _pilot(**args, notes=notes)


def _randomised(
    *, row, metric, guards, contacts, assignments, tz, alpha, correction, notes, workspace
):
    unit = row["unit"] if row["unit"] in ("customer", "agent", "team") else "customer"
    start, end = row["start"], row["end"]
    agents = None
    if unit == "team":
        from cxlab.data import load

        agents = load("agents", workspace=workspace)
    units = unit_metrics(
        contacts,
        assignments,
        agents=agents,
        metrics=[metric, *guards],
        unit=unit,
        start=start,
        end=end,
        pre_start=start - (end - start),
        experiment_id=row["experiment_id"],
    )
    res = ab_test(
        units,
        primary=metric,
        guardrails=guards,
        alpha=alpha,
        correction=correction,
        experiment=row["experiment_id"],
        unit=unit,
    )
    seq = sequential(
        contacts,
        assignments,
        metric=metric,
        start=start,
        end=end,
        unit=unit,
        experiment_id=row["experiment_id"],
        time_zone=tz,
        alpha=alpha,
        agents=agents,
    )
    p = res.primary
    effect = {k: p[k] for k in ("term", "estimate", "std_error", "ci_low", "ci_high", "p_value")}
    effect["p_value"] = p["p_adj"]
    g = res.estimates.filter(pl.col("role") == "guardrail").select(
        "metric", "estimate", "ci_low", "ci_high", "harmful"
    )
    reasons = tuple(res.reasons)
    return ExperimentReport(
        row,
        row["design"],
        metric,
        res.verdict,
        effect,
        p["control_value"],
        res,
        (res.srm,),
        g,
        reasons,
        notes,
        {"sequential": seq, "over_time": seq},
        alpha,
    )


def _estimate(design, row, metric, contacts, assignments, tz, alpha, *, primary=True):
    """The design's main estimate for one metric: (result, effect dict, baseline, diagnostics, detail).

    ``primary=False`` (a guardrail) keeps the design the primary metric chose.
    """
    eid = row["experiment_id"]
    arms = assignments.collect()
    treated = {
        r["unit_id"]: r["assigned_at"]
        for r in arms.iter_rows(named=True)
        if r["arm"] == "treatment"
    }
    controls = arms.filter(pl.col("arm") == "control")["unit_id"].to_list()
    if design == "its":
        scope = _scope(row)
        lf = contacts.filter(pl.col("channel").is_in(list(scope))) if scope else contacts
        from cxlab.features import kpi

        daily = kpi(lf, metric, every="1d", time_zone=tz).select(
            pl.col("period").alias("ts"), pl.col("value").alias("y")
        )
        res = its(
            daily,
            start=row["start"],
            alpha=alpha,
            experiment=eid,
            metric=metric,
            scope=", ".join(scope) if scope else "all contacts",
        )
        return res, res.effect, res.counterfactual_mean, (res.placebo,), {}
    panel = kpi_panel(contacts, metric=metric, time_zone=tz)
    if design in ("synthetic_control", "synthetic_did"):
        # one pilot region with a long history: synthetic control; several pilot regions, a
        # pilot region whose level no blend of others reaches, or a registry that asks for it:
        # synthetic DiD, which allows a steady gap
        def sdid():
            return synthetic_did(
                panel,
                treated=sorted(treated),
                start=row["start"],
                donors=controls,
                alpha=alpha,
                experiment=eid,
                metric=metric,
            )

        if design == "synthetic_did" or len(treated) > 1:
            res = sdid()
            return res, res.effect, res.baseline, (res.placebo,), {}
        (unit,) = list(treated)
        res = synthetic_control(
            panel,
            treated=unit,
            start=row["start"],
            donors=[*controls, unit],
            alpha=alpha,
            experiment=eid,
            metric=metric,
        )
        if primary and res.outside:  # synthetic control stays in the appendix
            other = sdid()
            return other, other.effect, other.baseline, (other.placebo,), {"synthetic_control": res}
        return res, res.effect, res.baseline, (res.placebo,), {}
    dates = sorted(set(treated.values()))
    first = [u for u, d in treated.items() if d == dates[0]]
    two = did(
        panel,
        treated={u: dates[0] for u in first},
        controls=controls,
        end=dates[1] if len(dates) > 1 else None,
        alpha=alpha,
        experiment=eid,
        metric=metric,
    )
    if design == "did" or len(dates) == 1:
        return two, two.estimate, two.baseline, (two.pretrend,), {"did_2x2": two}
    stag = staggered_did(
        panel, adoption=treated, controls=controls, alpha=alpha, experiment=eid, metric=metric
    )
    return stag, stag.overall, two.baseline, (two.pretrend, stag.pretrend), {"did_2x2": two}


def _pilot(*, row, metric, guards, contacts, assignments, tz, alpha, notes):
    design = row["design"]
    main, effect, baseline, diags, detail = _estimate(
        design, row, metric, contacts, assignments, tz, alpha
    )
    if isinstance(main, SyntheticDiDResult):
        # several pilot regions, or one whose level no blend reaches: the report names the
        # design it ran, and the guardrails are read the same way
        design = "synthetic_did"
    grows = []
    for g in guards:
        try:
            _, e, _, _, _ = _estimate(
                design, row, g, contacts, assignments, tz, alpha, primary=False
            )
        except NotEnoughDataError:
            continue
        hib = find(g).higher_is_better
        harmful = hib is not None and ((e["ci_high"] < 0) if hib else (e["ci_low"] > 0))
        grows.append(
            dict(
                metric=g,
                estimate=e["estimate"],
                ci_low=e["ci_low"],
                ci_high=e["ci_high"],
                harmful=harmful,
            )
        )
    gdf = pl.DataFrame(grows, schema=GUARDRAILS_SCHEMA)
    verdict, reasons = _pilot_verdict(metric, effect, diags, gdf, getattr(main, "measures", ()))
    return ExperimentReport(
        row,
        design,
        metric,
        verdict,
        effect,
        baseline,
        main,
        diags,
        gdf,
        reasons,
        notes,
        {**detail, "over_time": main},
        alpha,
    )


def _pilot_verdict(metric, effect, diags, guardrails, measures=()):
    hib = find(metric, measures).higher_is_better
    failed = [d for d in diags if not getattr(d, "passed", True)]
    if guardrails["harmful"].any():
        names = tuple(guardrails.filter(pl.col("harmful"))["metric"].to_list())
        return "do not ship", (
            Phrase(
                N_("A measure that must not get worse got worse beyond chance: {metrics}."),
                (("metrics", names),),
                tuple(measures),
            ),
        )
    significant = effect["ci_low"] > 0 or effect["ci_high"] < 0
    if significant and hib is None:
        if failed:
            return "not enough evidence yet", (
                Phrase(N_("A check of the design failed, so its assumption is in doubt.")),
            )
        return "no direction", (undeclared((metric,), tuple(measures)),)
    good = (effect["estimate"] > 0) == hib
    if significant and not good:
        return "do not ship", (
            Phrase(
                N_("{metrics} got worse beyond chance."),
                (("metrics", (metric,)),),
                tuple(measures),
            ),
        )
    if failed:
        return "not enough evidence yet", (
            Phrase(N_("A check of the design failed, so its assumption is in doubt.")),
        )
    if significant:
        return "ship", (
            Phrase(
                N_(
                    "{metrics} improved beyond chance, and none of the protected measures got "
                    "worse."
                ),
                (("metrics", (metric,)),),
                tuple(measures),
            ),
        )
    return "not enough evidence yet", (
        Phrase(
            N_("The likely range of the effect on {metrics} still includes no change."),
            (("metrics", (metric,)),),
            tuple(measures),
        ),
    )
