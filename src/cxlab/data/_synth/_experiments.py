"""The planted interventions: two randomised tests and three pilots, with their registry rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from cxlab.data._synth._config import SynthConfig

# planted effects (the truth the experiment analyses must recover)
AB_FCR = 0.05  # additive on the probability of first-contact resolution
AB_HANDLE = 0.93  # multiplicative on handle seconds (AHT -7%)
AB_CSAT_LATENT = 0.35  # shift of the CSAT latent (ordered logit scale)
AGENT_CSAT_LATENT = 0.5
AGENT_HANDLE = 0.95
PILOT_FCR = 0.06
SC_HANDLE = 0.90
ITS_TRANSFERS = 0.60  # phone transfer rate multiplied by this


@dataclass(frozen=True)
class Plan:
    """When and where each planted intervention acts (UTC numpy times)."""

    ab_id: str
    ab_start: np.datetime64
    ab_end: np.datetime64
    agent_id: str
    agent_start: np.datetime64
    agent_end: np.datetime64
    pilot_id: str
    pilot_cohorts: dict[str, np.datetime64]  # region -> adoption time
    sc_id: str
    sc_region: str
    sc_start: np.datetime64
    its_id: str
    its_start: np.datetime64
    data_end: np.datetime64


def _local_midnight(config: SynthConfig, fraction: float) -> np.datetime64:
    span = (config.end - config.start).days
    day = config.start + dt.timedelta(days=int(span * fraction))
    # experiments start on a Monday, as teams launch them
    day -= dt.timedelta(days=day.weekday())
    moment = dt.datetime.combine(day, dt.time(), ZoneInfo(config.time_zone)).astimezone(dt.UTC)
    return np.datetime64(moment.replace(tzinfo=None), "us")


def make_plan(config: SynthConfig, regions: tuple[str, ...], rng: np.random.Generator) -> Plan:
    tiny = config.size == "tiny"
    week = np.timedelta64(7, "D")
    ab_start = _local_midnight(config, 0.55)
    agent_start = _local_midnight(config, 0.58)
    order = rng.permutation(len(regions))
    shuffled = [regions[i] for i in order]
    d1, d2, d3 = (_local_midnight(config, f) for f in (0.40, 0.60, 0.80))
    cohorts = (
        {r: d1 for r in shuffled[:3]}
        | {r: d2 for r in shuffled[3:6]}
        | {r: d3 for r in shuffled[6:8]}
    )
    end = _local_midnight(config, 1.0) + week
    return Plan(
        ab_id="EXP-AB-ROUTING",
        ab_start=ab_start,
        ab_end=ab_start + (3 if tiny else 4) * week,
        agent_id="EXP-AGENT-COACHING",
        agent_start=agent_start,
        agent_end=agent_start + (4 if tiny else 6) * week,
        pilot_id="EXP-PILOT-SPECIALIST",
        pilot_cohorts=cohorts,
        sc_id="EXP-PILOT-VIDEO",
        sc_region=shuffled[8],
        sc_start=_local_midnight(config, 0.70),
        its_id="EXP-IVR-REDESIGN",
        its_start=_local_midnight(config, 0.50),
        data_end=end,
    )


def registry_rows(plan: Plan) -> list[dict]:
    def ts(x: np.datetime64) -> dt.datetime:
        return x.astype("datetime64[us]").astype(dt.datetime).replace(tzinfo=dt.UTC)

    def decided(x: np.datetime64, days: int) -> dt.date:  # the local day, for zones -11..+12 h
        return (ts(x) + dt.timedelta(hours=12)).date() + dt.timedelta(days=days)

    first = min(plan.pilot_cohorts.values())
    # decisions: the routing test is adopted at the review after the data end, the coaching
    # programme stopped two weeks after it ended; the others are undecided (the contacts do not
    # change: an adoption after the data end leaves the history as planted)
    undecided = dict(decision=None, decided_on=None)
    return [
        dict(
            experiment_id=plan.its_id,
            name="IVR menu redesign",
            kind="pilot",
            design="its",
            unit="region",
            start=ts(plan.its_start),
            end=ts(plan.data_end),
            primary_metric="transfers_per_contact",
            guardrails="abandonment_rate",
            description="A new IVR menu launched everywhere at once to route callers to the right queue first time.",
            **undecided,
        ),
        dict(
            experiment_id=plan.pilot_id,
            name="First-contact specialist desk",
            kind="pilot",
            design="staggered_did",
            unit="region",
            start=ts(first),
            end=ts(plan.data_end),
            primary_metric="fcr",
            guardrails="aht,abandonment_rate",
            description="A specialist desk piloted in three regions, then rolled out to five more in two waves.",
            **undecided,
        ),
        dict(
            experiment_id=plan.ab_id,
            name="Smart routing to specialists",
            kind="ab",
            design="ab",
            unit="customer",
            start=ts(plan.ab_start),
            end=ts(plan.ab_end),
            primary_metric="fcr",
            guardrails="aht,csat,abandonment_rate",
            description="Customers randomised 50/50: treated customers are routed by predicted intent.",
            decision="adopt",
            decided_on=decided(plan.data_end, 19),
        ),
        dict(
            experiment_id=plan.agent_id,
            name="Agent coaching programme",
            kind="ab",
            design="cluster_ab",
            unit="agent",
            start=ts(plan.agent_start),
            end=ts(plan.agent_end),
            primary_metric="csat",
            guardrails="aht,fcr",
            description="Agents randomised 50/50 to weekly coaching; outcomes measured on their contacts.",
            decision="stop",
            decided_on=decided(plan.agent_end, 14),
        ),
        dict(
            experiment_id=plan.sc_id,
            name="Video support pilot",
            kind="pilot",
            design="synthetic_control",
            unit="region",
            start=ts(plan.sc_start),
            end=ts(plan.data_end),
            primary_metric="aht",
            guardrails="csat,fcr",
            description="Video sessions for technical contacts, piloted in a single region.",
            **undecided,
        ),
    ]
