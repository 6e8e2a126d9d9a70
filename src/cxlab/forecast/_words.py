"""How the forecast room speaks to a reader: its labels, the units of its columns, and charts
with gaps where a queue is closed."""

from __future__ import annotations

from cxlab._present import N_, _, register_labels, register_units

register_labels(
    {
        # forecasting methods (the ``model`` column)
        "daily_profile": N_("Daily total × intraday profile by weekday"),
        "seasonal_naive_week": N_("Same weekday last week"),
        "seasonal_naive_day": N_("Same as the day before"),
        "mstl": N_("Seasonal decomposition (MSTL)"),
        "fourier_arima": N_("Fourier-term ARIMA"),
        "prophet": N_("Prophet"),
        "bottom_up": N_("Sum of the queue forecasts"),
        # hierarchy levels and columns of forecast and backtest frames
        "level": N_("Level"),
        "mase": N_("MASE"),
        "wape": N_("WAPE"),
        "rmse": N_("RMSE"),
        "coverage_80": N_("In 80% range"),
        "coverage_95": N_("In 95% range"),
        "weekday_name": N_("Weekday"),
        "time_of_day": N_("Time of day"),
        "expected": N_("Typical contacts"),
        "effect": N_("Change in volume"),
        "effect_low": N_("Lower bound"),
        "effect_high": N_("Upper bound"),
        # calendar and event effects (the ``term`` column of the effects table)
        "holiday": N_("Public holiday"),
        "post_holiday": N_("Day after a holiday"),
        "month_end": N_("Last two days of the month"),
        "promotion": N_("Promotion"),
        "recall": N_("Product recall"),
        "outage": N_("Service outage"),
        "launch": N_("Product launch"),
        # the synthetic workspace's event names
        "Mid-Autumn Festival": N_("Mid-Autumn Festival"),
        "National Day": N_("National Day"),
        "National Day (observed)": N_("National Day (observed)"),
        "New Year's Day": N_("New Year's Day"),
        "Chinese New Year's Eve": N_("Chinese New Year's Eve"),
        "Chinese New Year (Spring Festival)": N_("Chinese New Year (Spring Festival)"),
        "Tomb-Sweeping Day": N_("Tomb-Sweeping Day"),
        "Tomb-Sweeping Day (observed)": N_("Tomb-Sweeping Day (observed)"),
        "Labor Day": N_("Labor Day"),
        "Labor Day (observed)": N_("Labor Day (observed)"),
        "Dragon Boat Festival": N_("Dragon Boat Festival"),
        "Singles' Day sale": N_("Singles' Day sale"),
        "618 mid-year sale": N_("618 mid-year sale"),
        "Charger recall": N_("Charger recall"),
        "Network outage": N_("Network outage"),
        "New device launch": N_("New device launch"),
    }
)

register_units(
    {
        "wape": "share",
        "coverage_80": "share",
        "coverage_95": "share",
        "mase": "ratio",
        "rmse": "ratio",
        "effect": "percent",
        "effect_low": "percent",
        "effect_high": "percent",
    }
)

WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


def event_name(name: object) -> str:
    """An event's name for a reader (a substituted working day reads "Day off in lieu")."""
    from cxlab._present import label

    text = str(name)
    if text.startswith("Day off (substituted"):
        return _("Day off in lieu")
    return label(text)
