"""Procedure loaders: the KPI list and the reporting schedule of a procedures document.

KPI section: a heading with "KPI" or "performance indicator" in its title whose bullets read
``**Category**: first KPI, second KPI``; each comma-separated item becomes a KPI definition.
Schedule section: a heading with "report" and "schedule" in its title whose bullets read
``**Daily**: what it covers`` (Daily, Weekly, Monthly, Quarterly).

Re-loading updates names, categories and descriptions in place, except where an admin
edited them since the last import (kept, reported as conflicts; see
:mod:`opsportal.procedures.provenance`); what admins tune (unit, target, direction,
aggregation, enabled, build time, recipients) is set only on creation.
"""

from __future__ import annotations

from django.utils.text import slugify

from opsportal.procedures.document import ProcedureError, Section
from opsportal.procedures.provenance import imported_row_apply
from opsportal.procedures.registry import LoadResult, register_loader
from reporting.kpis import bounds_of, measure_of
from reporting.models import DEFAULT_BUILD_TIMES, Category, KpiDefinition, ReportKind, ReportSchedule, Source

CATEGORY_KEYS = {
    "financial": Category.FINANCIAL,
    "finance": Category.FINANCIAL,
    "user engagement": Category.USER_ENGAGEMENT,
    "engagement": Category.USER_ENGAGEMENT,
    "content performance": Category.CONTENT_PERFORMANCE,
    "content": Category.CONTENT_PERFORMANCE,
    "system performance": Category.SYSTEM_PERFORMANCE,
    "system": Category.SYSTEM_PERFORMANCE,
    "operations": Category.OPERATIONS,
    "operational": Category.OPERATIONS,
}
SCHEDULE_KEYS = {kind.value: kind for kind in ReportKind}


def _category_of(key: str) -> Category | None:
    return CATEGORY_KEYS.get(" ".join(key.lower().replace("_", " ").split()))


def _is_kpi_section(section: Section) -> bool:
    keyed = [entry for entry in section.entries if entry.key]
    return (
        section.has_title("kpi", "performance indicator")
        and bool(keyed)
        and any(_category_of(entry.key) for entry in keyed)
    )


def _is_schedule_section(section: Section) -> bool:
    keyed = [entry for entry in section.entries if entry.key]
    return (
        section.has_title("report")
        and section.has_title("schedule", "cadence")
        and any(entry.key.lower() in SCHEDULE_KEYS for entry in keyed)
    )


def _sentence_case(text: str) -> str:
    text = " ".join(text.split()).rstrip(".")
    return text[:1].upper() + text[1:]


@register_loader("reporting.kpis", claims=_is_kpi_section, order=60)
def load_kpi_definitions(section: Section) -> LoadResult:
    """Create or update one KPI definition per item of each category bullet."""
    result = LoadResult()
    seen: dict[str, int] = {}
    for entry in section.entries:
        category = _category_of(entry.key) if entry.key else None
        if category is None:
            known = "Financial, User Engagement, Content Performance, System Performance, Operations"
            what = f"{entry.key!r} is not a KPI category" if entry.key else "a KPI line needs a category"
            raise ProcedureError(entry.line, f"{what}: write '**Category**: first KPI, second KPI' ({known}).")
        names = [_sentence_case(item) for item in entry.value.split(",") if item.strip()]
        if not names:
            raise ProcedureError(entry.line, f"the {entry.key} category lists no KPI (comma-separated names).")
        for name in names:
            slug = slugify(name)[:120]
            if not slug or len(name) > 120:
                raise ProcedureError(entry.line, f"{name[:60]!r} cannot be a KPI name (1 to 120 characters).")
            if slug in seen:
                raise ProcedureError(entry.line, f"KPI {name!r} is listed twice (first on line {seen[slug]}).")
            seen[slug] = entry.line
            unit, direction, aggregation = measure_of(name)
            minimum, maximum = bounds_of(unit)
            imported_row_apply(
                model=KpiDefinition,
                source_key=f"reporting.kpi:{slug}",
                values={"name": name, "category": category},
                natural={"slug": slug},
                create_values={
                    "unit": unit,
                    "min_value": minimum,
                    "max_value": maximum,
                    "direction": direction,
                    "aggregation": aggregation,
                    "source": Source.MANUAL,
                    "description": f"From the procedures document, line {entry.line}.",
                },
                label=f"KPI {name}",
                heading=section.title,
                line=entry.line,
                result=result,
            )
    return result


@register_loader("reporting.schedule", claims=_is_schedule_section, order=61)
def load_report_schedules(section: Section) -> LoadResult:
    """Create or update one report schedule per Daily/Weekly/Monthly/Quarterly bullet."""
    result = LoadResult()
    for entry in section.entries:
        kind = SCHEDULE_KEYS.get(entry.key.lower()) if entry.key else None
        if kind is None:
            what = f"{entry.key!r} is not a report kind" if entry.key else "a schedule line needs a report kind"
            raise ProcedureError(
                entry.line, f"{what}: write '**Daily**: what it covers' (Daily, Weekly, Monthly, Quarterly)."
            )
        description = entry.value.strip()[:300]
        imported_row_apply(
            model=ReportSchedule,
            source_key=f"reporting.schedule:{kind}",
            values={"description": description},
            natural={"kind": kind},
            create_values={"build_time": DEFAULT_BUILD_TIMES[kind]},
            label=f"{kind} report schedule",
            heading=section.title,
            line=entry.line,
            result=result,
        )
    return result
