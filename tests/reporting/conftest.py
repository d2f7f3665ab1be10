"""Fixtures of the reporting tests: the reference document's KPIs and a helper to add values."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from opsportal.procedures.document import parse_document
from opsportal.procedures.importer import DEFAULT_DOCUMENT
from reporting.models import KpiDefinition, KpiMeasurement
from reporting.procedures import _is_kpi_section, _is_schedule_section, load_kpi_definitions, load_report_schedules


@pytest.fixture
def kpis(db: Any) -> dict[str, KpiDefinition]:
    """Load the bundled document's KPI list and schedules; return the KPIs by slug."""
    for section in parse_document(DEFAULT_DOCUMENT.read_text(encoding="utf-8")).walk():
        if _is_kpi_section(section):
            load_kpi_definitions(section)
        elif _is_schedule_section(section):
            load_report_schedules(section)
    return {kpi.slug: kpi for kpi in KpiDefinition.objects.all()}


@pytest.fixture
def add_values(db: Any) -> Callable[..., None]:
    """Return ``add(kpi, first_day, values)``: one value a day from ``first_day``."""

    def add(kpi: KpiDefinition, first: date, values: list[float]) -> None:
        KpiMeasurement.objects.bulk_create(
            KpiMeasurement(kpi=kpi, date=first + timedelta(days=offset), value=Decimal(str(value)))
            for offset, value in enumerate(values)
        )

    return add


def _load_operational_history() -> ModuleType:
    """Import scripts/operational_history.py (the benchmark's seeder; scripts is no package)."""
    path = Path(__file__).resolve().parents[2] / "scripts" / "operational_history.py"
    spec = importlib.util.spec_from_file_location("operational_history", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


operational_history = _load_operational_history()
