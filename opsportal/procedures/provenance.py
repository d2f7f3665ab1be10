"""Provenance of imported rows: apply a document only where nobody edited the row since.

Every loader writes its rows through :func:`imported_row_apply`, which keeps one
:class:`~opsportal.models.ImportedRecord` per row: the row's key in the document, its
heading and line, and a fingerprint of the values the document last wrote. On a re-import:

1. a row the document does not have yet is created, and its record written;
2. a row whose current values still match the fingerprint (nobody edited it) takes the
   document's values;
3. a row whose current values already equal the document's is left alone;
4. any other row was edited since the last import (in admin): it is kept, its record notes
   when the edit was found, and the import lists it as a conflict, unless the import runs
   with ``overwrite`` (``import_procedures --overwrite``), which replaces it on purpose.

A row that exists without a record (imported before provenance was kept, or added in
admin under the same key) counts as edited when its values differ from the document's.

The options of the running import (``overwrite``, the current loader, the keys each loader
wrote) live in an :class:`ImportSession`, so loaders keep their one-argument signature.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from opsportal.models import ImportedRecord
from opsportal.procedures.registry import LoadResult

ModelT = TypeVar("ModelT", bound=models.Model)


@dataclass
class ImportSession:
    """The options and bookkeeping of one import."""

    overwrite: bool = False
    now: datetime = field(default_factory=timezone.now)
    loader: str = ""
    touched: dict[str, set[str]] = field(default_factory=dict)  # loader -> source keys written

    def touch(self, source_key: str) -> None:
        self.touched.setdefault(self.loader, set()).add(source_key)


_session: ContextVar[ImportSession | None] = ContextVar("procedures_import_session", default=None)


@contextmanager
def import_session(*, overwrite: bool = False) -> Iterator[ImportSession]:
    """Run the block as one import with these options."""
    session = ImportSession(overwrite=overwrite)
    token = _session.set(session)
    try:
        yield session
    finally:
        _session.reset(token)


def current_session() -> ImportSession:
    """Return the running import's session (a fresh default one when a loader is called on its own)."""
    return _session.get() or ImportSession()


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"


def _plain(value: Any) -> Any:
    """Return ``value`` in a JSON-stable form: rows by primary key, times as ISO text."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def fingerprint(values: Mapping[str, Any]) -> str:
    """Return the SHA-256 of ``values`` (field name to value), independent of their order."""
    text = json.dumps({name: _plain(value) for name, value in values.items()}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def current_values(obj: models.Model, names: Any) -> dict[str, Any]:
    """Return the row's current values of the fields ``names``."""
    return {name: getattr(obj, name) for name in names}


def _edited_at(obj: models.Model, now: datetime) -> datetime:
    """Return when ``obj`` was last changed, from its edit history when it keeps one."""
    history = getattr(obj, "history", None)
    latest = history.order_by("-history_date").values_list("history_date", flat=True).first() if history else None
    return latest or now


def _record_write(
    record: ImportedRecord | None,
    *,
    obj: models.Model,
    source_key: str,
    heading: str,
    line: int,
    values: Mapping[str, Any],
) -> None:
    session = current_session()
    fields = {
        "loader": session.loader,
        "content_type": ContentType.objects.get_for_model(obj),
        "object_id": obj.pk,
        "heading": heading[:300],
        "line": line,
        "fingerprint": fingerprint(values),
        "imported_at": session.now,
        "edited_at": None,
        "retired_at": None,
    }
    if record is None:
        ImportedRecord.objects.update_or_create(source_key=source_key, defaults=fields)
    else:
        for name, value in fields.items():
            setattr(record, name, value)
        record.save()


def imported_row_apply(
    *,
    model: type[ModelT],
    source_key: str,
    values: Mapping[str, Any],
    label: str,
    heading: str,
    line: int,
    result: LoadResult,
    natural: Mapping[str, Any] | None = None,
    create_values: Mapping[str, Any] | None = None,
    save: Callable[[ModelT, list[str]], None] | None = None,
) -> tuple[ModelT | None, Outcome]:
    """Create or update the row the document names ``source_key`` with ``values``; see the module.

    ``natural`` finds a row that has no record yet (``{"code": "P1"}``); ``create_values`` are
    written only when the row is created (what admins tune afterwards). ``save`` writes the
    changed fields (default: ``obj.save(update_fields=...)``, which keeps the edit history).
    Return the row (None when a conflict keeps it deleted) and what happened, counted in ``result``.
    """
    session = current_session()
    session.touch(source_key)
    record = ImportedRecord.objects.filter(source_key=source_key).first()
    obj = record.content_object if record is not None else None
    if obj is None and natural:
        obj = model._default_manager.filter(**natural).first()
        if obj is not None and record is not None:
            record = None  # the record points at a row deleted since; this one has no history with us
    wanted = fingerprint(values)
    if obj is None:
        if record is not None and not session.overwrite:
            # Imported once, then deleted (in admin): an edit like any other.
            record.edited_at = record.edited_at or session.now
            record.save(update_fields=["edited_at"])
            result.conflicts.append(f"{label}: deleted since the last import (kept deleted)")
            return None, Outcome.CONFLICT
        exact = {name: value for name, value in (natural or {}).items() if "__" not in name}  # not name__iexact
        obj = model._default_manager.create(**{**exact, **(create_values or {}), **values})
        _record_write(record, obj=obj, source_key=source_key, heading=heading, line=line, values=values)
        result.created += 1
        result.details.append(f"created {label}")
        return obj, Outcome.CREATED
    now_values = current_values(obj, values)
    current = fingerprint(now_values)
    if current == wanted:
        if record is None or record.fingerprint != wanted or record.edited_at or record.line != line:
            _record_write(record, obj=obj, source_key=source_key, heading=heading, line=line, values=values)
        result.unchanged += 1
        return obj, Outcome.UNCHANGED
    edited = record is None or record.fingerprint != current
    if edited and not session.overwrite:
        if record is not None and record.edited_at is None:
            record.edited_at = _edited_at(obj, session.now)
            record.save(update_fields=["edited_at"])
        changed = ", ".join(name for name in values if _plain(now_values[name]) != _plain(values[name]))
        result.conflicts.append(f"{label}: edited since the last import ({changed}); kept")
        return obj, Outcome.CONFLICT
    changed_fields = [name for name in values if _plain(now_values[name]) != _plain(values[name])]
    for name in changed_fields:
        setattr(obj, name, values[name])
    if save is not None:
        save(obj, changed_fields)
    else:
        obj.save(update_fields=changed_fields)
    _record_write(record, obj=obj, source_key=source_key, heading=heading, line=line, values=values)
    result.updated += 1
    result.details.append(f"{'overwrote' if edited else 'updated'} {label}")
    return obj, Outcome.UPDATED


def imported_row_remove(*, record: ImportedRecord, fields: tuple[str, ...], label: str, result: LoadResult) -> bool:
    """Delete the row of ``record`` now that the document no longer has it; return True when deleted.

    ``fields`` are the fields its fingerprint covers. A row edited since the last import is
    kept and reported as a conflict (``overwrite`` deletes it anyway).
    """
    session = current_session()
    obj = record.content_object
    if obj is None:
        record.delete()
        return True
    if fingerprint(current_values(obj, fields)) != record.fingerprint and not session.overwrite:
        result.conflicts.append(f"{label}: no longer in the document but edited since the last import; kept")
        return False
    obj.delete()
    record.delete()
    result.updated += 1
    result.details.append(f"removed {label}")
    return True
