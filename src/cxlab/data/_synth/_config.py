"""What the synthetic workspace is made of: sizes, queues, taxonomy, regions, planted parameters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Size = Literal["tiny", "default", "large", "xlarge"]
Country = Literal["CN", "US"]

END_DEFAULT = dt.date(2026, 10, 31)
"""The last day of the synthetic data (fixed, so that the same seed gives the same bytes)."""


@dataclass(frozen=True)
class SizeSpec:
    customers: int
    months: int
    contacts_per_customer_month: float


SIZES: dict[str, SizeSpec] = {
    "tiny": SizeSpec(customers=3_000, months=4, contacts_per_customer_month=1.3),
    "default": SizeSpec(customers=20_000, months=24, contacts_per_customer_month=1.2),
    "large": SizeSpec(customers=440_000, months=24, contacts_per_customer_month=1.1),
    "xlarge": SizeSpec(customers=2_800_000, months=36, contacts_per_customer_month=1.1),
}


@dataclass(frozen=True)
class QueueSpec:
    queue: str
    channel: str
    share: float  # of all contacts
    open_hour: int
    close_hour: int
    accepts_when_closed: bool  # email and social arrive around the clock
    concurrency: int
    sl_seconds: float
    sl_target: float
    categories: dict[str, float]  # level-1 category mix


QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec(
        "phone_orders",
        "phone",
        0.24,
        8,
        21,
        False,
        1,
        20,
        0.80,
        {"Orders": 0.7, "Account": 0.2, "Billing": 0.1},
    ),
    QueueSpec(
        "phone_billing",
        "phone",
        0.18,
        8,
        21,
        False,
        1,
        20,
        0.80,
        {"Billing": 0.75, "Account": 0.25},
    ),
    QueueSpec(
        "phone_tech", "phone", 0.16, 8, 21, False, 1, 20, 0.80, {"Technical": 0.85, "Account": 0.15}
    ),
    QueueSpec(
        "chat_orders", "chat", 0.15, 8, 22, False, 2, 60, 0.80, {"Orders": 0.75, "Account": 0.25}
    ),
    QueueSpec(
        "chat_support",
        "chat",
        0.13,
        8,
        22,
        False,
        2,
        60,
        0.80,
        {"Technical": 0.45, "Billing": 0.35, "Account": 0.2},
    ),
    QueueSpec(
        "email_support",
        "email",
        0.05,
        9,
        18,
        True,
        1,
        24 * 3600,
        0.90,
        {"Billing": 0.4, "Orders": 0.3, "Technical": 0.3},
    ),
    QueueSpec(
        "social_care",
        "social",
        0.09,
        8,
        22,
        True,
        1,
        3600,
        0.90,
        {"Orders": 0.4, "Technical": 0.3, "Billing": 0.3},
    ),
)

TAXONOMY: dict[str, dict[str, tuple[str, ...]]] = {
    "Orders": {
        "Delivery": ("Where is my order", "Delayed delivery", "Wrong address"),
        "Returns": ("Return request", "Exchange"),
    },
    "Billing": {
        "Charges": ("Unexpected charge", "Double charge"),
        "Refunds": ("Refund status", "Refund delay"),
    },
    "Technical": {
        "Device": ("Set-up", "Not working"),
        "Service": ("Service down", "Slow service"),
    },
    "Account": {
        "Profile": ("Password reset", "Update details"),
        "Plan": ("Upgrade", "Cancel plan"),
    },
}

# complaint share of contacts by level-1 category, and the complaint type mix
COMPLAINT_RATE = {"Orders": 0.12, "Billing": 0.14, "Technical": 0.10, "Account": 0.04}
COMPLAINT_MIX = {
    "Orders": {"logistics": 0.7, "product_quality": 0.15, "service_attitude": 0.15},
    "Billing": {"refund": 0.8, "service_attitude": 0.2},
    "Technical": {"product_quality": 0.8, "service_attitude": 0.2},
    "Account": {"service_attitude": 0.6, "refund": 0.4},
}
# median hours from arrival to resolution of a complaint, by type (lognormal, sigma 0.6)
COMPLAINT_HOURS = {
    "product_quality": 40.0,
    "logistics": 20.0,
    "service_attitude": 6.0,
    "refund": 60.0,
}

# median handle seconds by channel, and multipliers by category (lognormal, sigma 0.5)
HANDLE_MEDIAN = {"phone": 330.0, "chat": 540.0, "email": 420.0, "social": 260.0}
HANDLE_CATEGORY = {"Orders": 0.9, "Billing": 1.0, "Technical": 1.35, "Account": 0.8}
COMPLAINT_HANDLE = 1.4
MEAN_PATIENCE = {"phone": 160.0, "chat": 240.0}  # seconds (exponential)
FIRST_RESPONSE_MEAN = {"email": 3 * 3600.0, "social": 25 * 60.0}  # seconds within staffed hours

REGIONS = {
    "CN": (
        "Beijing",
        "Shanghai",
        "Guangdong",
        "Zhejiang",
        "Jiangsu",
        "Sichuan",
        "Hubei",
        "Shandong",
        "Fujian",
        "Henan",
        "Hunan",
        "Anhui",
        "Shaanxi",
        "Chongqing",
        "Tianjin",
        "Liaoning",
    ),
    "US": (
        "California",
        "Texas",
        "Florida",
        "New York",
        "Pennsylvania",
        "Illinois",
        "Ohio",
        "Georgia",
        "North Carolina",
        "Michigan",
        "New Jersey",
        "Virginia",
        "Washington",
        "Arizona",
        "Massachusetts",
        "Tennessee",
    ),
}
TIME_ZONES = {"CN": "Asia/Shanghai", "US": "America/New_York"}
CURRENCIES = {"CN": "CNY", "US": "USD"}

# intraday shape (local hour): a double peak at 10-11 and 14-16
PEAKS = ((10.5, 0.9, 1.0), (15.0, 1.1, 0.85))  # (centre hour, sd hours, height)
WEEKDAY = (1.15, 1.06, 1.0, 0.98, 0.95, 0.68, 0.58)  # Monday first
ANNUAL_AMPLITUDE = 0.12  # peak in mid-January, trough in mid-July
MONTH_END_LIFT = 1.12  # last two days of a month (bills go out)
HOLIDAY_FACTOR = 0.45
POST_HOLIDAY_LIFT = 1.25

# The service's own drift through the years, planted in three KPIs: a linear trend (per year,
# from KPI_ORIGIN) and an annual cycle that is worst at the mid-January volume peak and best in
# mid-July. FCR is in probability points (before the cap), CSAT on the latent scale of its ordered
# logit, handle time on the log scale.
KPI_ORIGIN = dt.date(2026, 1, 1)
KPI_DRIFT = {
    "fcr": {"per_year": 0.015, "season": -0.015},
    "csat": {"per_year": 0.15, "season": -0.15},
    "handle": {"per_year": -0.04, "season": 0.05},
}
"""``term(t) = per_year * years_since(KPI_ORIGIN) + season * cos(2 pi (t - Jan 15) / year)``."""


@dataclass(frozen=True)
class ChurnSpec:
    """The planted churn and downgrade hazards (per day, piecewise constant by month).

    Covariates are updated on the first day of each month from the contacts of the 90 days
    before it; see ``truth.json["churn"]["features"]`` for their exact definitions.
    """

    window_days: int = 90
    base_daily: float = 0.022 / 30  # an individual, monthly-contract customer with a clean record
    log_hr: dict[str, float] = field(
        default_factory=lambda: {
            "unresolved_complaint": 0.693,  # HR 2.0
            "abandoned_contacts": 0.182,  # HR 1.2 per abandoned contact (capped at 5)
            "low_csat": 0.470,  # HR 1.6
            "transfers": 0.095,  # HR 1.1 per transfer (capped at 5)
            "segment_enterprise": -0.598,  # HR 0.55
            "contract_annual": -0.511,  # HR 0.6
            "contract_two_year": -0.916,  # HR 0.4
        }
    )
    downgrade_base_daily: float = 0.008 / 30
    downgrade_log_hr: dict[str, float] = field(
        default_factory=lambda: {
            "unresolved_complaint": 0.262,  # HR 1.3
            "segment_enterprise": -0.693,  # HR 0.5
            "value_tier_gold": 0.405,  # HR 1.5
        }
    )


@dataclass(frozen=True)
class SynthConfig:
    seed: int = 7
    size: Size = "default"
    country: Country = "CN"
    end: dt.date = END_DEFAULT
    churn: ChurnSpec = field(default_factory=ChurnSpec)
    months: int | None = None  # the size's own number of months unless given

    @property
    def spec(self) -> SizeSpec:
        spec = SIZES[self.size]
        if self.months is None:
            return spec
        return SizeSpec(spec.customers, self.months, spec.contacts_per_customer_month)

    @property
    def start(self) -> dt.date:
        year, month = self.end.year, self.end.month - self.spec.months + 1
        while month <= 0:
            month += 12
            year -= 1
        return dt.date(year, month, 1)

    @property
    def time_zone(self) -> str:
        return TIME_ZONES[self.country]
