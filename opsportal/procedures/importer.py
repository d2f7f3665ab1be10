"""Import a procedures document into every app, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DataError, transaction

from opsportal.procedures.document import ProcedureError, parse_document
from opsportal.procedures.provenance import import_session
from opsportal.procedures.registry import Loader, LoadResult, assign_sections

DEFAULT_DOCUMENT = Path(__file__).resolve().parent / "default.md"


@dataclass
class ImportReport:
    """What an import did: per loader and section, and which sections nobody took."""

    loaded: list[tuple[str, str, LoadResult]] = field(default_factory=list)  # (loader, section title, result)
    unclaimed: list[str] = field(default_factory=list)

    @property
    def conflicts(self) -> list[str]:
        """Return every row kept because it was edited since the last import."""
        return [conflict for _, _, result in self.loaded for conflict in result.conflicts]

    @property
    def deactivated(self) -> list[str]:
        """Return every row retired because its heading left the document."""
        return [row for _, _, result in self.loaded for row in result.deactivated]


def procedures_import(
    *, source: str, overwrite: bool = False, progress: Callable[[str], None] | None = None
) -> ImportReport:
    """Parse ``source`` and load every claimed section in one transaction.

    1. Each claimed section goes to its loader, which applies the document only to rows
       nobody edited since the last import (:mod:`opsportal.procedures.provenance`) and
       lists the others as conflicts; ``overwrite`` replaces those too.
    2. Each loader that ran then retires what it imported before and the document no
       longer has (checklist templates are deactivated, their runs kept).

    Raise ProcedureError (with a line number) for a malformed document; then nothing is saved.
    """
    document = parse_document(source)
    assigned, unclaimed = assign_sections(document)
    report = ImportReport(unclaimed=[f"{section.title} (line {section.line})" for section in unclaimed])
    with transaction.atomic(), import_session(overwrite=overwrite) as session:
        ran: dict[str, Loader] = {}
        for loader, section in assigned:
            session.loader = loader.name
            ran[loader.name] = loader
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
        for name, loader in ran.items():
            if loader.retire is None:
                continue
            session.loader = name
            result = loader.retire(session.touched.get(name, set()))
            if result.deactivated or result.conflicts or result.updated:
                report.loaded.append((name, "(headings no longer in the document)", result))
                if progress is not None:
                    progress(f"{name}: headings no longer in the document — {result.summary()}")
    return report


def procedures_present() -> bool:
    """Return True when the database already holds procedures (imported, or created in admin).

    ``import_procedures --if-empty`` then does nothing, so a deploy never re-imports over
    what admins have edited.
    """
    from checklists.models import ChecklistTemplate
    from incidents.models import Severity
    from opsportal.models import ImportedRecord

    return any(model.objects.exists() for model in (ImportedRecord, ChecklistTemplate, Severity))
