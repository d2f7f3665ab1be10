"""Insert a row at most once: the outbox of every sweep and exactly-once side effect.

What must happen exactly once (a run per template and period, a reminder per incident, step
and round, a report per period, a delivery per recipient) is a row guarded by a
``UniqueConstraint``, written before the side effect. Whoever inserts the row does the work;
everyone else (a second sweep, a second worker, a retry) finds it there and does nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction

ModelT = TypeVar("ModelT", bound=models.Model)


def insert_once(
    model: type[ModelT], *, defaults: Mapping[str, Any] | None = None, **unique_fields: Any
) -> tuple[ModelT, bool]:
    """Insert the ``model`` row named by ``unique_fields``; return it and whether this call created it.

    ``unique_fields`` are the fields of one of the model's unique constraints; ``defaults`` are
    the other values of a new row (never compared with an existing one).

    1. Insert in a savepoint. On PostgreSQL a concurrent insert of the same key blocks on the
       unique index until the other transaction ends, then fails here (it committed) or succeeds
       (it rolled back): exactly one caller sees ``created``.
    2. On IntegrityError roll back only the savepoint and return the row that won. If no row
       matches ``unique_fields`` the error came from another constraint: raise it.
    """
    try:
        with transaction.atomic():
            return model._default_manager.create(**unique_fields, **(defaults or {})), True
    except IntegrityError:
        existing = model._default_manager.filter(**unique_fields).first()
        if existing is None:
            raise
        return existing, False


def insert_missing(model: type[ModelT], rows: list[ModelT], *, batch_size: int = 1000) -> None:
    """Insert those of ``rows`` whose unique key is not taken yet, in batches; leave the others out.

    The bulk form of :func:`insert_once` (``INSERT … ON CONFLICT DO NOTHING``): a row whose key
    exists already, or that a concurrent transaction inserts first, is skipped, never doubled. It
    returns nothing, because the database does not say which rows it skipped: re-read the rows by
    their unique key to learn which this call created.
    """
    model._default_manager.bulk_create(rows, batch_size=batch_size, ignore_conflicts=True)
