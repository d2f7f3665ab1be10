"""CSV in and out: parse a measurements file with row-level errors; write a table as CSV.

An import file has a header row with the columns ``kpi`` (slug or name), ``date``
(YYYY-MM-DD) and ``value`` (a plain number, "." as decimal point). Rows are numbered as in a
spreadsheet: the header is row 1, the first measurement row 2.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from reporting.models import KpiDefinition, Source
from reporting.services import measurement_problems

COLUMNS = ("kpi", "date", "value")
MAX_ROWS = 20_000
MAX_VALUE = Decimal("1e16")


@dataclass(frozen=True)
class RowError:
    """A problem in one cell of an import file."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass(frozen=True)
class ParsedRow:
    """A valid row of an import file."""

    row: int
    kpi: KpiDefinition
    date: date
    value: Decimal


def parse_value(text: str) -> Decimal | None:
    """Return the number ``text`` holds, or None when it is not a finite number in range."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or abs(value) >= MAX_VALUE:
        return None
    return value.quantize(Decimal("0.0001"))


def parse_date(text: str) -> date | None:
    """Return the date ``text`` holds in YYYY-MM-DD form, or None."""
    try:
        return date.fromisoformat(text.strip()) if len(text.strip()) == 10 else None
    except ValueError:
        return None


def kpi_lookup(definitions: Iterable[KpiDefinition]) -> dict[str, KpiDefinition]:
    """Return the KPIs by slug and by lower-case name."""
    lookup: dict[str, KpiDefinition] = {}
    for definition in definitions:
        lookup[definition.slug.lower()] = definition
        lookup.setdefault(definition.name.lower(), definition)
    return lookup


def measurements_parse(text: str) -> tuple[list[ParsedRow], list[RowError]]:
    """Parse an import file; return its valid rows and every error found (one KPI query)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        return [], [RowError(1, "kpi", "the file is empty; it needs a header row: kpi,date,value.")]
    except csv.Error as error:
        return [], [RowError(1, "kpi", f"not a CSV file ({error}).")]
    names = [cell.strip().lower() for cell in header]
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        return [], [
            RowError(1, column, f"missing column {column!r} in the header (need kpi,date,value).") for column in missing
        ]
    index = {column: names.index(column) for column in COLUMNS}
    lookup = kpi_lookup(KpiDefinition.objects.all())
    today = timezone.localdate()
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    first_seen: dict[tuple[int, date], int] = {}
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if number > MAX_ROWS + 1:
                errors.append(RowError(number, "kpi", f"a file may hold at most {MAX_ROWS} rows."))
                break
            cell = {column: (cells[position] if position < len(cells) else "") for column, position in index.items()}
            row_errors: list[RowError] = []
            kpi = lookup.get(cell["kpi"].strip().lower())
            if kpi is None:
                row_errors.append(RowError(number, "kpi", f"unknown KPI {cell['kpi'].strip()!r}."))
            elif kpi.source != Source.MANUAL:
                row_errors.append(
                    RowError(number, "kpi", f"{kpi.name!r} is computed by the portal and takes no values.")
                )
            day = parse_date(cell["date"])
            if day is None:
                row_errors.append(
                    RowError(number, "date", f"unparseable date {cell['date'].strip()!r} (use YYYY-MM-DD).")
                )
            value = parse_value(cell["value"])
            if value is None:
                row_errors.append(
                    RowError(
                        number, "value", f"non-numeric value {cell['value'].strip()!r} (use a number such as 1234.5)."
                    )
                )
            if kpi is not None and day is not None and value is not None:
                problems = measurement_problems(kpi=kpi, day=day, value=value, today=today)
                row_errors.extend(RowError(number, field, message) for field, message in problems.items())
            if not row_errors and kpi is not None and day is not None and value is not None:
                earlier = first_seen.setdefault((kpi.pk, day), number)
                if earlier != number:
                    row_errors.append(RowError(number, "date", f"{kpi.name} on {day} is already on row {earlier}."))
                else:
                    rows.append(ParsedRow(number, kpi, day, value))
            errors.extend(row_errors)
    except csv.Error as error:
        errors.append(RowError(reader.line_num, "kpi", f"the CSV is malformed ({error})."))
    if not rows and not errors:
        errors.append(RowError(2, "kpi", "the file holds no measurements."))
    return rows, errors


def table_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Return a table as CSV text (numbers unformatted, None as an empty cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    return buffer.getvalue()
