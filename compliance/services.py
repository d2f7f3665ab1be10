"""The write path of the compliance app: apply the retention rules, export and erase a person's data."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.db.models import F

from compliance.erasure import erased_username, former_user_label, is_erased, name_pattern, scrub
from compliance.models import KIND_ACTIONS, Anonymisation, ErasureLog, RetentionLog, RetentionRule
from compliance.retention import KINDS
from opsportal import clock
from opsportal.errors import Conflict

logger = logging.getLogger(__name__)

RETENTION_BATCH = 500


@dataclass
class KindResult:
    kind: str
    action: str
    rows: int
    dry_run: bool
    by_source: dict[str, int] = field(default_factory=dict)


def _due_batch(queryset: models.QuerySet[Any], size: int) -> list[Any]:
    """Return the primary keys of the next batch, locking them (skipping rows another run holds)."""
    queryset = queryset.order_by("pk")
    if connection.vendor == "postgresql":
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    return list(queryset.values_list("pk", flat=True)[:size])


def _apply_kind(
    *, rule: RetentionRule, now: datetime, dry_run: bool, batch_size: int, after_batch: Callable[[int], None] | None
) -> KindResult:
    """Apply one rule in batches, each its own transaction that also counts itself into the log row.

    1. Write the log row first (rows 0, no ``finished_at``).
    2. Per source, per batch: lock the next due rows, delete or anonymise them (marking each
       anonymised record in the same transaction), add the batch's size to the log; commit.
    3. Stamp ``finished_at``. A run killed between batches keeps what it committed; the next run
       finds only the rows still due, so nothing is lost and nothing is done twice.
    """
    spec = KINDS[rule.kind]
    cutoff = clock.before(now, timedelta(days=rule.days))
    action = KIND_ACTIONS[rule.kind]
    log = RetentionLog.objects.create(
        kind=rule.kind, action=action, days=rule.days, cutoff=cutoff, dry_run=dry_run, started_at=clock.now()
    )
    result = KindResult(kind=rule.kind, action=action, rows=0, dry_run=dry_run)
    for source in spec.sources:
        done = 0
        if dry_run:
            done = source.due(cutoff).count()
        else:
            while True:
                with transaction.atomic():
                    ids = _due_batch(source.due(cutoff), batch_size)
                    if not ids:
                        break
                    model = source.due(cutoff).model
                    if spec.anonymise is None:
                        model._default_manager.filter(pk__in=ids).delete()
                    else:
                        stamp = clock.now()
                        Anonymisation.objects.bulk_create(
                            Anonymisation(kind=rule.kind, object_id=pk, anonymised_at=stamp, log=log) for pk in ids
                        )
                        spec.anonymise(ids)
                    RetentionLog.objects.filter(pk=log.pk).update(rows=F("rows") + len(ids))
                done += len(ids)
                if after_batch is not None:
                    after_batch(len(ids))
        result.by_source[source.label] = done
        result.rows += done
    RetentionLog.objects.filter(pk=log.pk).update(finished_at=clock.now(), rows=result.rows if dry_run else F("rows"))
    return result


def retention_apply(
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    batch_size: int = RETENTION_BATCH,
    kinds: list[str] | None = None,
    after_batch: Callable[[int], None] | None = None,
) -> list[KindResult]:
    """Apply every enabled retention rule (or those of ``kinds``); return what went per kind.

    With ``dry_run`` nothing changes but the log, which records what would go. ``after_batch``
    is called after each committed batch (tests use it to kill a run mid-way).
    """
    now = now or clock.now()
    rules = RetentionRule.objects.filter(enabled=True).order_by("kind")
    if kinds is not None:
        rules = rules.filter(kind__in=kinds)
    results = []
    for rule in rules:
        result = _apply_kind(rule=rule, now=now, dry_run=dry_run, batch_size=batch_size, after_batch=after_batch)
        if result.rows:
            logger.info("retention %s: %s %d rows%s", rule.kind, result.action, result.rows, " (dry run)" * dry_run)
        results.append(result)
    return results


# Erasure ------------------------------------------------------------------------------------


def user_find(identifier: str) -> Any:
    """Return the user named by a username or an id; raise ``LookupError`` naming what was not found."""
    users = get_user_model()._default_manager
    user = users.filter(username=identifier).first()
    if user is None and identifier.isdigit():
        user = users.filter(pk=int(identifier)).first()
    if user is None:
        raise LookupError(f"No user with the username or id {identifier!r}.")
    return user


def _scrub_rows(queryset: models.QuerySet[Any], fields: list[str], pattern: Any, replacement: str) -> int:
    """Replace the pattern in these text or JSON fields of the matching rows; return how many rows changed."""
    changed = 0
    for row in queryset.only("pk", *fields).iterator():
        values = {name: scrub(getattr(row, name), pattern, replacement) for name in fields}
        if any(values[name] != getattr(row, name) for name in fields):
            queryset.model._default_manager.filter(pk=row.pk).update(**values)
            changed += 1
    return changed


def _text_contains(fields: list[str], names: list[str]) -> models.Q:
    condition = models.Q()
    for name_field in fields:
        for name in names:
            condition |= models.Q(**{f"{name_field}__icontains": name})
    return condition


def user_erase(*, user: Any, by: str = "command") -> ErasureLog:
    """Anonymise a departed user everywhere, keeping every record that points at them.

    1. Lock the user; refuse one already erased (``Conflict``).
    2. Identity: username ``former-user-<id>``, names and e-mail blank, no usable password,
       inactive, not staff or superuser, no groups or permissions.
    3. Remove what exists only for them to sign in or be reached: API and calendar tokens,
       their in-app notifications, login attempts under their old username.
    4. Where the portal itself wrote their username (timeline assignments, notifications to
       others, webhook posts, the admin's action log, handover digests, report snapshots'
       per-person rows), write
       "former user <id>" instead. Free text people authored is left as written.
    5. Log it (``ErasureLog``, holding the id only).
    """
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.admin.models import LogEntry
    from rest_framework.authtoken.models import Token

    from changes.models import CalendarToken
    from incidents.models import TimelineEntry
    from oncall.models import FeedToken, Handover
    from opsportal.models import Notification
    from reporting.models import Report
    from webhooks.models import WebhookDelivery

    user_model = get_user_model()
    with transaction.atomic():
        locked = user_model._default_manager.select_for_update().get(pk=user.pk)
        if is_erased(locked):
            raise Conflict(f"User {user.pk} is already erased.")
        old_names = [locked.username, locked.email]
        label = former_user_label(locked.pk)
        counts: dict[str, int] = {}

        locked.username = erased_username(locked.pk)
        locked.first_name = locked.last_name = locked.email = ""
        locked.set_unusable_password()
        locked.is_active = locked.is_staff = locked.is_superuser = False
        locked.save()
        locked.groups.clear()
        locked.user_permissions.clear()

        counts["api_tokens"] = Token.objects.filter(user=locked).delete()[0]
        counts["calendar_tokens"] = CalendarToken.objects.filter(user=locked).delete()[0]
        counts["feed_tokens"] = FeedToken.objects.filter(user=locked).delete()[0]
        counts["notifications"] = Notification.objects.filter(recipient=locked).delete()[0]
        counts["login_attempts"] = sum(
            model.objects.filter(username__iexact=old_names[0]).delete()[0]
            for model in (AccessAttempt, AccessLog, AccessFailureLog)
        )

        pattern = name_pattern(*old_names)
        if pattern is not None:
            names = [name for name in old_names if name]
            system_timeline = TimelineEntry.objects.exclude(kind__in=("note", "message", "status"))
            counts["timeline_entries"] = _scrub_rows(
                system_timeline.filter(_text_contains(["text", "from_value", "to_value"], names)),
                ["text", "from_value", "to_value"],
                pattern,
                label,
            )
            counts["notifications_of_others"] = _scrub_rows(
                Notification.objects.filter(_text_contains(["subject", "body"], names)),
                ["subject", "body"],
                pattern,
                label,
            )
            counts["webhook_deliveries"] = _scrub_rows(
                WebhookDelivery.objects.filter(_text_contains(["subject", "body"], names)),
                ["subject", "body"],
                pattern,
                label,
            )
            counts["admin_log"] = _scrub_rows(
                LogEntry.objects.filter(_text_contains(["object_repr", "change_message"], names)),
                ["object_repr", "change_message"],
                pattern,
                label,
            )
            counts["handover_digests"] = _scrub_rows(Handover.objects.all(), ["digest"], pattern, label)
            # A report is an immutable snapshot of figures; the name on a per-person row is not a
            # figure, and erasure is the one writer allowed to replace it (an UPDATE, never save()).
            counts["report_snapshots"] = _scrub_rows(Report.objects.all(), ["data"], pattern, label)
        return ErasureLog.objects.create(user=locked, erased_at=clock.now(), erased_by=by, counts=counts)
