"""KPI knowledge that needs no database: the operational-KPI registry and naming rules.

Operational KPIs are computed from the portal's own data (checklist runs, incidents,
changes). Each app that holds such data registers a function here; the report builder
includes every registered KPI, so a new one needs no change in the reporting app::

    @register_operational_kpi("incident-mtta", "Mean time to acknowledge", unit="min", direction="lower")
    def mean_time_to_acknowledge(period_start: datetime, period_end: datetime) -> dict:
        ...
        return {"value": 12.5, "breakdown": [{"severity": "P1", "incidents": 3, "minutes": 12.5}]}

A function receives the aware datetimes [period_start, period_end) and returns
``{"value": number or None, "breakdown": [row, ...]}``: ``breakdown`` rows are dicts with the
same keys, shown as a table (and exported to CSV) under the KPI. It must aggregate in SQL so
its number of queries does not grow with the data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

OperationalFunction = Callable[[datetime, datetime], dict[str, Any]]


@dataclass(frozen=True)
class OperationalKpi:
    """A KPI the portal computes itself."""

    slug: str
    name: str
    unit: str
    direction: str  # "higher" or "lower" is better
    category: str
    compute: OperationalFunction


_operational: dict[str, OperationalKpi] = {}


def register_operational_kpi(
    slug: str, name: str, unit: str, direction: str, category: str = "operations"
) -> Callable[[OperationalFunction], OperationalFunction]:
    """Register the decorated function as the operational KPI ``slug`` (re-registering replaces it)."""
    if direction not in {"higher", "lower"}:
        raise ValueError(f"direction must be 'higher' or 'lower', not {direction!r}.")

    def decorator(function: OperationalFunction) -> OperationalFunction:
        _operational[slug] = OperationalKpi(slug, name, unit, direction, category, function)
        return function

    return decorator


def unregister_operational_kpi(slug: str) -> None:
    """Remove a registered operational KPI (for tests)."""
    _operational.pop(slug, None)


def operational_kpis() -> list[OperationalKpi]:
    """Return the registered operational KPIs in registration order."""
    return list(_operational.values())


# Which KPI categories each kind of report covers (the reference document's Reporting Schedule):
# daily "operational metrics and system health", weekly "business performance and user
# analytics", monthly "comprehensive review", quarterly "executive reporting".
REPORT_CATEGORIES: dict[str, tuple[str, ...]] = {
    "daily": ("system_performance", "operations"),
    "weekly": ("financial", "user_engagement", "content_performance", "operations"),
    "monthly": ("financial", "user_engagement", "content_performance", "system_performance", "operations"),
    "quarterly": ("financial", "user_engagement", "content_performance", "system_performance", "operations"),
}

# How a KPI named in prose is measured: (words in its name, unit, direction, aggregation).
# The first rule whose words appear in the name wins.
NAMING_RULES: tuple[tuple[tuple[str, ...], str, str, str], ...] = (
    (("acquisition cost", "cost", "churn"), "EUR", "lower", "average"),
    (("recurring revenue", "mrr", "arr"), "EUR", "higher", "last"),
    (("lifetime value", "revenue", "value"), "EUR", "higher", "average"),
    (("error rate", "failure rate"), "%", "lower", "average"),
    (("response time", "latency", "load time"), "ms", "lower", "average"),
    (("uptime", "availability"), "%", "higher", "average"),
    (("session duration", "time on"), "min", "higher", "average"),
    (("active users", "users", "registrations", "signups"), "users", "higher", "average"),
    (("adoption", "completion rate", "conversion", "retention", "rate"), "%", "higher", "average"),
    (("feedback", "satisfaction", "effectiveness", "score"), "score", "higher", "average"),
)


# Plausible bounds by unit: percentages run 0-100; counts, durations and amounts are never negative.
UNIT_BOUNDS: dict[str, tuple[Decimal | None, Decimal | None]] = {
    "%": (Decimal(0), Decimal(100)),
    "users": (Decimal(0), None),
    "ms": (Decimal(0), None),
    "min": (Decimal(0), None),
    "EUR": (Decimal(0), None),
}


def bounds_of(unit: str) -> tuple[Decimal | None, Decimal | None]:
    """Return the (minimum, maximum) a KPI measured in ``unit`` can plausibly take."""
    return UNIT_BOUNDS.get(unit.strip(), (None, None))


def measure_of(name: str) -> tuple[str, str, str]:
    """Return (unit, direction, aggregation) for a KPI named ``name`` in prose."""
    lowered = name.lower()
    for words, unit, direction, aggregation in NAMING_RULES:
        if any(re.search(rf"\b{re.escape(word)}", lowered) for word in words):
            return unit, direction, aggregation
    return "", "higher", "average"


def trend(current: float | None, previous: float | None, direction: str) -> str:
    """Return "better", "worse", "same" or "" (no comparison) for a change between periods."""
    if current is None or previous is None:
        return ""
    if current == previous:
        return "same"
    went_up = current > previous
    return "better" if went_up == (direction == "higher") else "worse"
