"""The report of one intervention: the verdict first, then diagnostics, then the detail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from cxlab._result import Result
from cxlab.experiments._format import fmt_effect, fmt_interval, metric_info

DESIGN_TEXT = {
    "ab": (
        "Randomised test with customers as the unit: the arms differ only by chance and by the "
        "change, so a difference beyond chance is caused by the change. It says nothing about "
        "customers or periods unlike those in the test."
    ),
    "cluster_ab": (
        "Randomised test with agents as the unit: contacts of one agent are not independent, so "
        "the uncertainty is computed per agent (cluster-robust), and with few agents it stays wide. "
        "Randomisation makes a difference beyond chance causal."
    ),
    "did": (
        "Pilot in some regions from a date, compared with regions without it "
        "(difference-in-differences). Not randomised: it is causal only if both groups would have "
        "moved in parallel without the pilot."
    ),
    "staggered_did": (
        "Pilot rolled out to regions at different dates, each wave compared with regions not yet "
        "or never treated (Callaway-Sant'Anna). Not randomised: it is causal only if regions would "
        "have moved in parallel without the pilot, and regions chose or were chosen for a reason."
    ),
    "synthetic_control": (
        "Pilot in a single region, compared with a weighted blend of other regions that tracked it "
        "before the start. With one treated region, certainty comes only from how unusual its gap "
        "is among untreated regions."
    ),
    "its": (
        "Change made everywhere at once, with no comparison group: the effect is the break from the "
        "extrapolated trend and weekly pattern. It cannot separate the change from anything else "
        "that happened at the same moment."
    ),
}


@dataclass(frozen=True)
class ExperimentReport(Result):
    """What a change did, how sure we are, and whether it hurt something else."""

    experiment: dict
    design: str
    metric: str
    verdict: str
    effect: dict  # term, estimate, std_error, ci_low, ci_high, p_value (primary metric)
    baseline: float
    main: Result
    diagnostics: tuple[Result, ...]
    guardrails: pl.DataFrame  # metric, estimate, ci_low, ci_high, harmful
    reasons: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{self.experiment['experiment_id']}: {self.experiment['name']}"

    @property
    def design_note(self) -> str:
        return DESIGN_TEXT.get(self.design, "")

    @property
    def power_unit(self) -> str:
        """The unit a follow-up randomised test would use: agents for coaching-style changes."""
        return "agent" if self.design == "cluster_ab" else "customer"

    @property
    def diagnostics_passed(self) -> bool:
        return all(bool(getattr(d, "passed", True)) for d in self.diagnostics)

    def summary(self) -> pl.DataFrame:
        return pl.DataFrame([{**self.effect, "metric": self.metric, "verdict": self.verdict}])

    def verdict_sentence(self) -> str:
        label, unit, _ = metric_info(self.metric)
        e = self.effect
        rel = e["estimate"] / self.baseline if self.baseline else float("nan")
        return (
            f"{self.verdict.capitalize()}: {label} changed by {fmt_effect(e['estimate'], unit)} "
            f"({rel:+.1%}); with 95% confidence the effect lies between "
            f"{fmt_effect(e['ci_low'], unit)} and {fmt_effect(e['ci_high'], unit)}."
        )

    def headline_cards(self) -> list[dict]:
        label, unit, _ = metric_info(self.metric)
        e = self.effect
        ok = {"ship": True, "do not ship": False}.get(self.verdict)
        return [
            {
                "label": "Verdict",
                "value": self.verdict,
                "met": ok,
                "detail": self.design.replace("_", " "),
            },
            {
                "label": f"Effect on {label}",
                "value": fmt_effect(e["estimate"], unit),
                "detail": f"95% interval {fmt_interval(e['ci_low'], e['ci_high'], unit)}",
            },
            {
                "label": "Diagnostics",
                "value": "passed" if self.diagnostics_passed else "FAILED",
                "met": self.diagnostics_passed,
                "detail": ", ".join(d.title for d in self.diagnostics),
            },
            {
                "label": "Guardrails",
                "value": "harmed" if self.guardrails["harmful"].any() else "no harm found",
                "met": not bool(self.guardrails["harmful"].any())
                if self.guardrails.height
                else None,
                "detail": ", ".join(self.guardrails["metric"].to_list()) or "none",
            },
        ]

    def findings(self) -> list[str]:
        return [self.verdict_sentence(), *self.reasons, *self.notes]

    def record_args(self, name: str) -> dict:
        """Keyword arguments for ``cx.runner.record`` of a headline number: ``"verdict"``,
        ``"effect"``, ``"ci_low"`` or ``"ci_high"`` (the effect's 95% bounds)."""
        label, unit, _ = metric_info(self.metric)
        units = {"share": "share", "seconds": "seconds", "score": "score"}
        eid = self.experiment["experiment_id"]
        if name == "verdict":
            return dict(name="verdict", value=self.verdict, label=f"Verdict, {eid}", unit="text")
        bounds = {
            "effect": "Effect",
            "ci_low": "95% interval, low",
            "ci_high": "95% interval, high",
        }
        key = "estimate" if name == "effect" else name
        return dict(
            name=name,
            value=self.effect[key],
            label=f"{bounds[name]}: {label} ({eid})",
            unit=units.get(unit, "ratio"),
        )

    def diagnostic_findings(self) -> list[str]:
        out = []
        for d in self.diagnostics:
            out += d.findings()
        return out

    def diagnostics_table(self) -> pl.DataFrame:
        rows = []
        for d in self.diagnostics:
            s = d.summary()
            p = s["p_value"][0] if "p_value" in s.columns else getattr(d, "p_value", None)
            rows.append(dict(check=d.title, p_value=p, passed=bool(getattr(d, "passed", True))))
        return pl.DataFrame(
            rows, schema={"check": pl.Utf8, "p_value": pl.Float64, "passed": pl.Boolean}
        )

    def plot(self):
        """The effect over time (cumulative effect, event study, gap or break, by design)."""
        figure = self.detail.get("over_time")
        return figure.plot() if figure is not None else self.main.plot()
