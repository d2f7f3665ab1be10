"""The tables of the report pages and the dashboard, shared by HTML and CSV export. Pure.

Page and CSV show the same cell text (``cell_text``), so an exported file read back with
Python's ``csv`` module gives exactly the figures on the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opsportal.templatetags import portal_time

TREND_TEXT = {"better": "better", "worse": "worse", "same": "same", "": ""}


@dataclass
class Table:
    """A titled table: its key (used in the CSV URL), header and rows of cell texts."""

    key: str
    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    trends: list[str] = field(default_factory=list)  # per row, for colouring
    collapsed: bool = False  # long tables start folded on screen


# Column titles of breakdown keys that the plain "snake_case -> Sentence" rule would garble.
HEADERS = {
    "percent": "%",
    "on_time": "On time",
    "mean_minutes": "Mean (min)",
    "median_minutes": "Median (min)",
    "business_mean_minutes": "Mean (business min)",
    "business_median_minutes": "Median (business min)",
    "mean_hours": "Mean (h)",
    "median_hours": "Median (h)",
    "reviews_due": "Reviews due",
    "still_open": "Still open",
}


def cell_text(value: Any) -> str:
    """Return the text of one cell: numbers to at most 2 decimals, no grouping; None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        text = f"{float(value):.2f}".rstrip("0").rstrip(".")
        return "0" if text in {"-0", ""} else text
    return str(value)


def _on_target(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def report_tables(data: dict[str, Any]) -> list[Table]:
    """Return the tables of a report snapshot's data."""
    tables = []
    business = Table(
        "business",
        "Business KPIs",
        [
            "KPI",
            "Category",
            "Unit",
            "Aggregation",
            "Value",
            "Previous",
            "Change",
            "Change %",
            "Trend",
            "Target",
            "On target",
        ],
    )
    for row in data.get("business", []):
        business.rows.append(
            [
                row["name"],
                row["category_label"],
                row["unit"],
                row["aggregation"],
                cell_text(row["value"]),
                cell_text(row["previous"]),
                cell_text(row["delta"]),
                cell_text(row["delta_percent"]),
                TREND_TEXT[row["trend"]],
                cell_text(row["target"]),
                _on_target(row["on_target"]),
            ]
        )
        business.trends.append(row["trend"])
    tables.append(business)
    tables.extend(operational_tables(data.get("operational", [])))
    return tables


def operational_tables(rows: list[dict[str, Any]], title: str = "Operational KPIs") -> list[Table]:
    """Return the operational KPIs' summary table, then one table per KPI breakdown."""
    operational = Table(
        "operational",
        title,
        ["KPI", "Unit", "Value", "Previous", "Change", "Change %", "Trend", "Target", "On target"],
    )
    tables = [operational]
    for row in rows:
        operational.rows.append(
            [
                row["name"],
                row["unit"],
                cell_text(row["value"]),
                cell_text(row["previous"]),
                cell_text(row["delta"]),
                cell_text(row["delta_percent"]),
                TREND_TEXT[row["trend"]],
                cell_text(row["target"]),
                _on_target(row["on_target"]),
            ]
        )
        operational.trends.append(row["trend"])
        breakdown = row.get("breakdown") or []
        if not breakdown:
            continue
        header = list(breakdown[0].keys())
        table = Table(
            f"op-{row['slug']}",
            f"{row['name']}: breakdown",
            [HEADERS.get(name, name.replace("_", " ").capitalize()) for name in header],
        )
        table.rows = [[cell_text(item.get(name)) for name in header] for item in breakdown]
        tables.append(table)
    return tables


def dashboard_tables(figures: dict[str, Any]) -> list[Table]:
    """Return the dashboard's tables: the KPI summary and the chart data."""
    summary = Table(
        "summary",
        "KPI summary (latest interval against the one before)",
        ["KPI", "Category", "Unit", "Latest", "Previous", "Change", "Trend", "Target", "On target"],
    )
    for kpi in figures["kpis"]:
        summary.rows.append(
            [
                kpi["name"],
                kpi["category_label"],
                kpi["unit"],
                cell_text(kpi["value"]),
                cell_text(kpi["previous"]),
                cell_text(kpi["delta"]),
                TREND_TEXT[kpi["trend"]],
                cell_text(kpi["target"]),
                _on_target(kpi["on_target"]),
            ]
        )
        summary.trends.append(kpi["trend"])
    series = Table("series", "Chart data", ["Interval", *[kpi["name"] for kpi in figures["kpis"]]], collapsed=True)
    for position, label in enumerate(figures["labels"]):
        series.rows.append([label, *[cell_text(kpi["values"][position]) for kpi in figures["kpis"]]])
    operational = operational_tables(
        figures.get("operational", []), f"Operational KPIs, {figures.get('operational_period', '')}"
    )
    for table in operational[1:]:
        table.collapsed = True  # the breakdowns fold on the dashboard; the report shows them open
    return [summary, *operational, series]


# Units of operational KPIs that are elapsed time, and the duration unit of their numbers.
DURATION_UNITS = portal_time.DURATION_UNITS
# The breakdown column charted for a duration KPI (the mean of each severity or change type).
MEAN_COLUMNS = ("mean_minutes", "business_mean_minutes", "mean_hours")


def figure_text(value: Any, unit: str) -> str:
    """Return a KPI figure for people: durations in h and min ("8 h 19 min"), others with their unit."""
    if value is None:
        return "–"
    if unit in DURATION_UNITS:
        return portal_time.figure(value, unit)
    number = cell_text(value)
    return f"{number} %" if unit == "%" else f"{number} {unit}"


def operational_cards(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return one dashboard card per operational KPI: its figures as text and what its chart draws.

    A duration KPI charts the mean per severity or change type from its breakdown (in minutes,
    written in h and min on the chart); any other KPI charts this period against the one before.
    """
    cards = []
    for row in rows:
        unit = row["unit"]
        duration_unit = DURATION_UNITS.get(unit)
        scale = 60.0 if duration_unit == "h" else 1.0  # charts of durations are in minutes
        breakdown = row.get("breakdown") or []
        mean_column = next((name for name in MEAN_COLUMNS if breakdown and name in breakdown[0]), None)
        if duration_unit and mean_column:
            label_column = next(iter(breakdown[0]))
            labels = [str(item[label_column]) for item in breakdown]
            values = [None if item[mean_column] is None else float(item[mean_column]) * scale for item in breakdown]
        else:
            labels = ["Previous period", "This period"]
            values = [row["previous"], row["value"]]
            values = [None if value is None else float(value) * scale for value in values]
        target = row.get("target")
        cards.append(
            {
                "slug": row["slug"],
                "name": row["name"],
                "unit": unit,
                "value_text": figure_text(row["value"], unit),
                "previous_text": figure_text(row["previous"], unit),
                "target_text": "" if target is None else figure_text(target, unit),
                "trend": row.get("trend", ""),
                "direction": row.get("direction", ""),
                "chart": {
                    "slug": f"op-{row['slug']}",
                    "labels": labels,
                    "values": values,
                    "target": None if target is None else float(target) * scale,
                    "unit": "min" if duration_unit else unit,
                    "duration": bool(duration_unit),
                },
            }
        )
    return cards
