"""Import a procedures document into every app, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DataError, transaction

from opsportal.procedures.document import ProcedureError, parse_document
from opsportal.procedures.registry import LoadResult, assign_sections

DEFAULT_DOCUMENT = Path(__file__).resolve().parent / "default.md"


@dataclass
class ImportReport:
    """What an import did: per loader and section, and which sections nobody took."""

    loaded: list[tuple[str, str, LoadResult]] = field(default_factory=list)  # (loader, section title, result)
    unclaimed: list[str] = field(default_factory=list)


def procedures_import(*, source: str, progress: Callable[[str], None] | None = None) -> ImportReport:
    """Parse ``source`` and load every claimed section in one transaction.

    Raise ProcedureError (with a line number) for a malformed document; then nothing is saved.
    """
    document = parse_document(source)
    assigned, unclaimed = assign_sections(document)
    report = ImportReport(unclaimed=[f"{section.title} (line {section.line})" for section in unclaimed])
    with transaction.atomic():
        for loader, section in assigned:
            try:
                result = loader.load(section)
            except ProcedureError:
                raise
            except (ValueError, OverflowError) as error:
                raise ProcedureError(section.line, f"{section.title}: {error}") from error
            except DataError as error:  # a value the loaders did not bound; the database refused it
                reason = str(error).splitlines()[0]
                raise ProcedureError(section.line, f"{section.title}: a value does not fit ({reason}).") from error
            report.loaded.append((loader.name, section.title, result))
            if progress is not None:
                progress(f"{loader.name}: {section.title} — {result.summary()}")
    return report
