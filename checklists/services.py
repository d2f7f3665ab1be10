"""Every write of the checklists app: generating runs, ticking items, sweeping for lateness."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from checklists import rules
from checklists import schedule as calendar_rules
from checklists.models import (
    ACTIVE_STATUSES,
    NOTE_MAX_LENGTH,
    ChecklistItem,
    ChecklistRun,
    ChecklistTemplate,
    Frequency,
    RunItem,
    RunStatus,
)
from opsportal import clock
from opsportal.errors import Conflict
from opsportal.models import ImportedRecord
from opsportal.outbox import insert_missing, insert_once
from opsportal.procedures.provenance import Outcome, current_session, imported_row_apply, imported_row_remove
from opsportal.procedures.registry import LoadResult

# How far back the beat task looks for periods it may have missed while workers were down.
LOOKBACK_DAYS = 2


# Generation -----------------------------------------------------------------------------------


def business_working_day() -> calendar_rules.WorkingDay:
    """Return "is this local date a working day?" for the incidents app's default business calendar.

    A working day is a weekday with working hours that is not a holiday. A calendar with no
    working time at all makes every day a working day.
    """
    from incidents.selectors import business_calendar  # incidents builds on checklists: import late

    calendar = business_calendar()
    working_weekdays = {
        weekday for weekday, intervals in calendar.working_hours.items() if any(start < end for start, end in intervals)
    }
    if not working_weekdays:
        return calendar_rules.every_day
    holidays = calendar.holidays

    def working_day(day: date) -> bool:
        return day.weekday() in working_weekdays and day not in holidays

    return working_day


@dataclass
class GenerateResult:
    """What a generation did."""

    created: int = 0
    created_missed: int = 0
    existing: int = 0


def _item_copies(run: ChecklistRun, items: list[ChecklistItem]) -> list[RunItem]:
    """Return unsaved copies of a template's ``items`` for ``run``, numbered from 1."""
    return [
        RunItem(
            run=run,
            template_item=item,
            position=index,
            text=item.text,
            help_text=item.help_text,
            link=item.link,
            required=item.required,
            evidence_required=item.evidence_required,
        )
        for index, item in enumerate(items, start=1)
    ]


def _run_create(
    *, template: ChecklistTemplate, unique: dict[str, Any], fields: dict[str, Any], items: list[Any]
) -> ChecklistRun | None:
    """Create a run with copies of ``items``; return None when it exists already.

    The unique constraint on (template, ``unique``) decides through ``insert_once``: a
    concurrent creator blocks on the index until the first commits, then finds its run.
    The run and its items commit together or not at all.
    """
    with transaction.atomic():
        run, created = insert_once(
            ChecklistRun,
            template=template,
            **unique,
            defaults={"name": template.name, "items_total": len(items), **fields},
        )
        if not created:
            return None
        RunItem.objects.bulk_create(_item_copies(run, items))
    return run


def runs_generate(
    *,
    start: date,
    end: date,
    now: datetime | None = None,
    templates: list[ChecklistTemplate] | None = None,
    progress: Callable[[int, int], None] | None = None,
    skip_before_creation: bool = False,
) -> GenerateResult:
    """Create the runs that open on each local date from ``start`` to ``end``; idempotent.

    1. Read the active scheduled templates and their items once, and (when a monthly or
       quarterly one is among them) the default business calendar, so such a run whose
       first day is a weekend or holiday opens on the next working day.
    2. For each date and template whose schedule opens that day, compute the window in the
       portal's zone; with ``skip_before_creation`` (the beat task), skip a period whose
       window closed before the template existed, so a new template brings no missed backlog.
       Periods that already have a run are skipped.
    3. A run whose window has already closed is created as missed, not as open work.
    4. In one transaction, insert the new runs in bulk, ignoring conflicts: the unique
       constraint per template and period settles races with a concurrent generator (its
       insert of the same key waits for ours to end, then inserts nothing), then copy the
       template items into the runs this call created, all in bulk (see ``_runs_insert``).
    """
    now = now or timezone.now()
    zone = clock.portal_zone()
    if templates is None:
        templates = list(
            ChecklistTemplate.objects.filter(is_active=True)
            .exclude(frequency=Frequency.ON_DEMAND)
            .prefetch_related("items")
        )
    result = GenerateResult()
    if not templates:
        return result
    existing = set(
        ChecklistRun.objects.filter(template__in=templates, period_date__gte=start, period_date__lte=end).values_list(
            "template_id", "period_date"
        )
    )
    days = list(calendar_rules.dates_between(start, end))
    working_day = (
        business_working_day()
        if any(template.frequency in (Frequency.MONTHLY, Frequency.QUARTERLY) for template in templates)
        else calendar_rules.every_day
    )
    items = {template.pk: list(template.items.all()) for template in templates}
    new_runs: list[ChecklistRun] = []
    for index, day in enumerate(days, start=1):
        for template in templates:
            if not calendar_rules.occurs_on(template.schedule, day, working_day):
                continue
            if (template.pk, day) in existing:
                result.existing += 1
                continue
            window = calendar_rules.run_window(template.schedule, day, zone, working_day)
            if skip_before_creation and window.missed_at <= template.created_at:
                continue  # the period ended before the template existed: nothing was ever due
            new_runs.append(
                ChecklistRun(
                    template=template,
                    name=template.name,
                    period_date=day,
                    opens_at=window.opens_at,
                    due_at=window.due_at,
                    missed_at=window.missed_at,
                    status=RunStatus.MISSED if window.missed_at <= now else RunStatus.OPEN,
                    items_total=len(items[template.pk]),
                )
            )
        if progress is not None:
            progress(index, len(days))
    created = _runs_insert(new_runs, items=items, start=start, end=end)
    result.created = len(created)
    result.created_missed = sum(run.status == RunStatus.MISSED for run in created)
    result.existing += len(new_runs) - len(created)
    return result


def _runs_insert(
    runs: list[ChecklistRun], *, items: dict[int, list[ChecklistItem]], start: date, end: date
) -> list[ChecklistRun]:
    """Insert those of the calendar ``runs`` (``start`` to ``end``) that do not exist yet; return them.

    1. Insert every run with ON CONFLICT DO NOTHING (``opsportal.outbox.insert_missing``): a run whose
       template and period exist already, or that a concurrent generator inserts first, is
       left out; the competing insert waits on the unique index until the other transaction
       ends, so nothing doubles and nothing fails.
    2. Re-read the runs by their unique key (template, period). The ones this call created
       are those without items yet: a concurrent generator's run only becomes visible when
       it commits, together with its items. (A template without items has nothing to copy;
       such a run lost to a concurrent generator at the same moment is counted by both.)
    3. Copy their template's ``items`` into those runs in bulk. Runs and items commit together.
    """
    if not runs:
        return []
    wanted = {(run.template_id, run.period_date) for run in runs}
    with transaction.atomic():
        insert_missing(ChecklistRun, runs)
        candidates = ChecklistRun.objects.filter(
            template_id__in={template for template, _day in wanted}, period_date__gte=start, period_date__lte=end
        ).exclude(Exists(RunItem.objects.filter(run=OuterRef("pk"))))
        created = [run for run in candidates if (run.template_id, run.period_date) in wanted]
        RunItem.objects.bulk_create(
            (copy for run in created for copy in _item_copies(run, items[run.template_id])), batch_size=2000
        )
    return created


def runs_generate_due(*, now: datetime | None = None) -> GenerateResult:
    """Create every run that should exist by now; safe to call as often as beat likes.

    Self-healing: every call looks back ``LOOKBACK_DAYS`` days, so periods lost while
    workers or beat were down are made up next time (as missed runs when their window has
    closed, not as a flood of open work); periods that exist already are skipped.
    """
    now = now or timezone.now()
    today = clock.local_date(now)
    return runs_generate(start=today - timedelta(days=LOOKBACK_DAYS), end=today, now=now, skip_before_creation=True)


def run_create_for_subject(
    *,
    template: ChecklistTemplate,
    subject: Any,
    opens_at: datetime,
    due_at: datetime | None = None,
    without_deadline: bool = False,
) -> ChecklistRun:
    """Return the run of ``template`` attached to ``subject``, creating it once.

    For on-demand runbooks (incident response phases, change process steps). Idempotent per
    (template, subject): a second call, even a concurrent one, returns the same run. Without
    ``due_at`` the run falls due ``template.due_after`` (or the frequency's default) after
    opening, unless ``without_deadline`` (a phase such as "Resolution (varies by severity)").
    Subject runs are never marked missed by the sweep; their owner decides.
    """
    content_type = ContentType.objects.get_for_model(subject, for_concrete_model=False)
    lookup = {"template": template, "subject_content_type": content_type, "subject_object_id": subject.pk}
    run = ChecklistRun.objects.filter(**lookup).first()
    if run is not None:
        return run
    run = _run_create(
        template=template,
        unique={"subject_content_type": content_type, "subject_object_id": subject.pk},
        fields={
            "opens_at": opens_at,
            "due_at": None if without_deadline else (due_at or clock.after(opens_at, template.effective_due_after())),
            "status": RunStatus.OPEN,
        },
        items=list(template.items.all()),
    )
    return run or ChecklistRun.objects.get(**lookup)


# What an item of a subject's run means to the subject --------------------------------------

# An item can be a fact of its subject too ("Acknowledge the incident" is the incident's
# acknowledgement). The subject's app registers, by model label ("incidents.incident"), a hook
# that ticking and unticking call inside the run's lock; it may refuse by raising. Checklists
# itself knows nothing of incidents or changes.
SubjectItemHook = Callable[..., None]
_SUBJECT_ITEM_HOOKS: dict[str, SubjectItemHook] = {}


def subject_item_hook_register(*, model_label: str, hook: SubjectItemHook) -> None:
    """Call ``hook(item=, run=, by=, done=, now=)`` when an item of a run of ``model_label`` is (un)ticked."""
    _SUBJECT_ITEM_HOOKS[model_label.lower()] = hook


def _subject_item_changed(*, item: RunItem, run: ChecklistRun, by: Any, done: bool, now: datetime) -> None:
    if run.subject_content_type_id is None:
        return
    content_type = ContentType.objects.get_for_id(run.subject_content_type_id)
    hook = _SUBJECT_ITEM_HOOKS.get(f"{content_type.app_label}.{content_type.model}")
    if hook is not None:
        hook(item=item, run=run, by=by, done=done, now=now)


def run_item_record_done(*, item: RunItem, by: Any, at: datetime) -> bool:
    """Tick ``item`` because its subject's own service recorded the same fact; return True when ticked now.

    For the subject's app only (an incident acknowledged on its page ticks "Acknowledge the
    incident"): the fact happened there, so no window or evidence check applies here. Call
    inside the transaction that recorded the fact, with the run already locked.
    """
    run = ChecklistRun.objects.select_for_update().get(pk=item.run_id)
    ticked = RunItem.objects.filter(pk=item.pk, done_at__isnull=True).update(done_by=by, done_at=at)
    if ticked:
        _run_recount(run, now=at)
    return bool(ticked)


# Ticking --------------------------------------------------------------------------------------


def _clean_note(note: str, *, field: str = "note") -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({field: f"Keep the note to {NOTE_MAX_LENGTH} characters (this one has {len(note)})."})
    return note


class RunClosed(Conflict):
    """The run does not take this write now: its window has ended, or it has not opened yet.

    The portal's one Conflict: 409 in the API, a message on the item in the pages.
    """


def _local_text(instant: datetime) -> str:
    zone = clock.portal_zone()
    return f"{timezone.localtime(instant, zone):%H:%M on %d %b %Y} ({zone.key})"


def run_refusal(run: ChecklistRun, *, now: datetime) -> str:
    """Return why ``run`` takes no write at ``now``, or "" when it does.

    1. A missed run, or a run whose window has ended (``missed_at`` passed), is closed to
       every write: tick, untick, note and problem flags. What was done stays as recorded.
    2. A calendar run that has not opened yet takes no write, and says when it opens.
       Runs attached to an incident or a change may be worked from the start: responders
       do not wait for a phase's nominal opening.
    """
    if run.status == RunStatus.MISSED:
        return "This run was missed: its window closed before it was completed, so it can no longer be changed."
    if run.missed_at is not None and now >= run.missed_at:
        return f"This run's window closed at {_local_text(run.missed_at)}: it can no longer be changed."
    if run.period_date is not None and now < run.opens_at:
        return f"This run has not opened yet: it opens at {_local_text(run.opens_at)}."
    return ""


def _run_lock(item: RunItem, *, by: Any, allowed: Callable[[Any, RunItem], bool], now: datetime) -> ChecklistRun:
    """Lock the item's run row, check ``allowed(by, item)`` and that the run takes writes now.

    Every tick of a run takes this lock first, so the recount that follows sees every tick
    committed before it: two people ticking different items both count. Raise
    PermissionDenied when the rules refuse ``by``, RunClosed outside the run's window.
    """
    run = (
        ChecklistRun.objects.select_for_update(of=("self",)).select_related("template__owner_group").get(pk=item.run_id)
    )
    item.run = run
    rules.require(allowed(by, item), run)
    refusal = run_refusal(run, now=now)
    if refusal:
        raise RunClosed(refusal)
    return run


def _run_recount(run: ChecklistRun, *, now: datetime) -> ChecklistRun:
    """Recount the run's items from the database and move its status to match."""
    counts = RunItem.objects.filter(run_id=run.pk).aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(done_at__isnull=False)),
        required_open=Count("pk", filter=Q(required=True, done_at__isnull=True)),
    )
    if counts["required_open"] == 0 and counts["done"] > 0:
        late = run.due_at is not None and now > run.due_at
        status = RunStatus.COMPLETED_LATE if late else RunStatus.COMPLETED
        completed_at = run.completed_at if run.status == status else now
    else:
        status = RunStatus.IN_PROGRESS if counts["done"] else RunStatus.OPEN
        completed_at = None
    ChecklistRun.objects.filter(pk=run.pk).exclude(status=RunStatus.MISSED).update(
        items_total=counts["total"], items_done=counts["done"], status=status, completed_at=completed_at
    )
    run.items_total, run.items_done, run.status, run.completed_at = (
        counts["total"],
        counts["done"],
        status,
        completed_at,
    )
    return run


def _item_reload(item: RunItem) -> RunItem:
    return RunItem.objects.select_related("done_by", "note_by", "problem_by").get(pk=item.pk)


def run_item_tick(*, item: RunItem, by: Any, note: str = "") -> RunItem:
    """Tick ``item`` as done by ``by`` (with an optional note); ticking twice changes nothing.

    Raise PermissionDenied when the rules refuse ``by``, RunClosed outside the run's window,
    ValidationError when the item needs evidence and no note was given (field ``note``) or
    the note is too long (field ``note``).
    """
    note = _clean_note(note)
    now = timezone.now()
    with transaction.atomic():
        run = _run_lock(item, by=by, allowed=rules.may_tick, now=now)
        current = RunItem.objects.get(pk=item.pk)
        if current.evidence_required and not (note or current.note):
            raise ValidationError({"note": "This item needs evidence: write a note saying what you checked."})
        changes: dict[str, Any] = {"done_by": by, "done_at": now}
        if note:
            changes.update(note=note, note_by=by)
        if RunItem.objects.filter(pk=item.pk, done_at__isnull=True).update(**changes):
            _subject_item_changed(item=current, run=run, by=by, done=True, now=now)
        _run_recount(run, now=now)
    return _item_reload(item)


def run_item_untick(*, item: RunItem, by: Any) -> RunItem:
    """Clear the tick of ``item``; a completed run goes back to in progress."""
    now = timezone.now()
    with transaction.atomic():
        run = _run_lock(item, by=by, allowed=rules.may_untick, now=now)
        if RunItem.objects.filter(pk=item.pk, done_at__isnull=False).exists():
            _subject_item_changed(item=item, run=run, by=by, done=False, now=now)
        RunItem.objects.filter(pk=item.pk, done_at__isnull=False).update(done_by=None, done_at=None)
        _run_recount(run, now=now)
    return _item_reload(item)


def run_item_note(*, item: RunItem, by: Any, note: str) -> RunItem:
    """Write ``note`` on ``item`` (an empty note clears it, unless the ticked item needs evidence)."""
    note = _clean_note(note)
    with transaction.atomic():
        _run_lock(item, by=by, allowed=rules.may_note, now=timezone.now())
        current = RunItem.objects.get(pk=item.pk)
        if not note and current.evidence_required and current.done_at is not None:
            raise ValidationError({"note": "This ticked item needs evidence: the note cannot be empty."})
        RunItem.objects.filter(pk=item.pk).update(note=note, note_by=by if note else None)
    return _item_reload(item)


def run_item_flag_problem(*, item: RunItem, by: Any, note: str) -> RunItem:
    """Mark ``item`` as "problem found" with ``note`` saying what is wrong."""
    note = _clean_note(note, field="problem_note")
    if not note:
        raise ValidationError({"problem_note": "Say what the problem is."})
    with transaction.atomic():
        _run_lock(item, by=by, allowed=rules.may_flag_problem, now=timezone.now())
        RunItem.objects.filter(pk=item.pk).update(
            problem=True, problem_note=note, problem_by=by, problem_at=timezone.now()
        )
    return _item_reload(item)


def run_item_clear_problem(*, item: RunItem, by: Any) -> RunItem:
    """Remove the "problem found" flag of ``item``."""
    with transaction.atomic():
        _run_lock(item, by=by, allowed=rules.may_flag_problem, now=timezone.now())
        RunItem.objects.filter(pk=item.pk).update(problem=False, problem_note="", problem_by=None, problem_at=None)
    return _item_reload(item)


def run_item_link_raised(*, item: RunItem, raised: Any) -> RunItem:
    """Record that ``raised`` (an incident) was raised from ``item``'s problem, so the run links to it.

    The incidents app calls this when it declares an incident ``from_item``.
    """
    content_type = ContentType.objects.get_for_model(raised)
    RunItem.objects.filter(pk=item.pk).update(raised_content_type=content_type, raised_object_id=raised.pk)
    return _item_reload(item)


def run_backfill(*, run: ChecklistRun, by: Any, ticked: int, finished_at: datetime) -> None:
    """Record a past run as ticked by ``by``: its first ``ticked`` items, done by ``finished_at``.

    Used by the demo seeder to write a believable history; the status follows from the ticks
    (missed when not all required items were ticked before the window closed). Seeding
    writes the past on purpose, so neither the rules nor the run's window apply here; no
    view, API or task calls it.
    """
    items = list(run.items.order_by("position", "pk"))
    with transaction.atomic():
        for index, item in enumerate(items):
            if index >= ticked:
                break
            done_at = finished_at - timedelta(minutes=2 * (ticked - index - 1))
            RunItem.objects.filter(pk=item.pk, done_at__isnull=True).update(done_by=by, done_at=done_at)
        ChecklistRun.objects.filter(pk=run.pk).update(status=RunStatus.OPEN)
        run.status = RunStatus.OPEN
        _run_recount(run, now=finished_at)
        if run.missed_at is not None and run.missed_at <= timezone.now():
            ChecklistRun.objects.filter(pk=run.pk, status__in=ACTIVE_STATUSES).update(status=RunStatus.MISSED)


# Sweeping -------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    """What a sweep did."""

    missed: int = 0
    reminded: int = 0


def run_remind_overdue(*, run_id: int, now: datetime) -> bool:
    """Send the one overdue reminder of a run to its owning group; return True when sent now.

    The ``reminded_at`` column is claimed with a conditional UPDATE before anything is sent,
    and the notification key is unique per recipient, so two sweeps never remind twice.
    """
    with transaction.atomic():
        claimed = ChecklistRun.objects.filter(
            pk=run_id, reminded_at__isnull=True, status__in=ACTIVE_STATUSES, due_at__lte=now
        ).update(reminded_at=now)
        if claimed != 1:
            return False
        run = ChecklistRun.objects.select_related("template__owner_group").get(pk=run_id)
        from opsportal.notifications import notification_send

        recipients = get_user_model().objects.filter(groups=run.template.owner_group_id, is_active=True)
        local_due = timezone.localtime(run.due_at, clock.portal_zone())
        notification_send(
            recipients=recipients,
            key=f"checklist-run-{run.pk}-overdue",
            subject=f"Overdue checklist: {run.name}",
            body=(
                f"The checklist “{run.name}” was due at {local_due:%H:%M on %d %b %Y} and has "
                f"{run.items_total - run.items_done} of {run.items_total} items left."
            ),
            link=run.get_absolute_url(),
        )
    return True


def runs_sweep(*, now: datetime | None = None) -> SweepResult:
    """Mark runs whose window closed as missed, and remind the owners of overdue runs once.

    1. One conditional UPDATE moves every open or in-progress run past ``missed_at`` to missed.
    2. Each calendar run past ``due_at`` that has not been reminded gets its one reminder.
    """
    now = now or timezone.now()
    result = SweepResult()
    result.missed = ChecklistRun.objects.filter(status__in=ACTIVE_STATUSES, missed_at__lte=now).update(
        status=RunStatus.MISSED
    )
    overdue = ChecklistRun.objects.filter(
        status__in=ACTIVE_STATUSES, reminded_at__isnull=True, due_at__lte=now, period_date__isnull=False
    ).values_list("pk", flat=True)
    for run_id in list(overdue):
        result.reminded += int(run_remind_overdue(run_id=run_id, now=now))
    return result


# Templates from procedures documents ----------------------------------------------------------

TEMPLATE_SOURCE_PREFIX = "checklists.template:"
ITEM_FIELDS = ("text", "position")


def _template_source_key(key: str) -> str:
    return f"{TEMPLATE_SOURCE_PREFIX}{key}"


def checklist_template_upsert(
    *,
    key: str,
    values: dict[str, Any],
    items: list[tuple[str, int]],
    heading: str,
    line: int,
    result: LoadResult,
    create_values: dict[str, Any] | None = None,
) -> ChecklistTemplate | None:
    """Create or update the template ``key`` and its items from a procedures document.

    The one write path of every procedure loader that makes checklist templates (the
    calendar checklists and the incident response phases). ``values`` are the fields the
    document sets; ``create_values`` (the owning group) are set only on creation; ``items``
    are (text, line) in order. Through :mod:`opsportal.procedures.provenance`:

    1. the template, and each item, takes the document's values only where nobody edited
       it since the last import; edited ones are kept and listed in ``result.conflicts``
       (the import's ``--overwrite`` replaces them);
    2. items the document dropped are removed unless edited since; items added in admin
       (not from the document) are left alone;
    3. a template the import retired because its heading had gone is active again.

    Runs already created keep the items they copied. Return the template (None when an
    admin deleted it and the import keeps it deleted).
    """
    source_key = _template_source_key(key)
    was_retired = ImportedRecord.objects.filter(source_key=source_key, retired_at__isnull=False).exists()
    label = f"checklist “{values['name']}”"
    template, outcome = imported_row_apply(
        model=ChecklistTemplate,
        source_key=source_key,
        values=values,
        natural={"key": key},
        create_values=create_values,
        label=label,
        heading=heading,
        line=line,
        result=result,
        save=lambda obj, fields: obj.save(),  # a full save, so the edit history records it
    )
    if not isinstance(template, ChecklistTemplate):
        return None
    item_result = LoadResult()
    kept: set[str] = set()
    for index, (text, item_line) in enumerate(items, start=1):
        item_key = f"{source_key}/item-{index}"
        kept.add(item_key)
        imported_row_apply(
            model=ChecklistItem,
            source_key=item_key,
            values={"text": text, "position": index},
            natural={"template": template, "position": index},
            label=f"{label}, item {index}",
            heading=heading,
            line=item_line,
            result=item_result,
        )
    dropped = ImportedRecord.objects.filter(source_key__startswith=f"{source_key}/item-").exclude(source_key__in=kept)
    for record in dropped:
        imported_row_remove(
            record=record,
            fields=ITEM_FIELDS,
            label=f"{label}, {record.source_key.rsplit('/', 1)[1]}",
            result=item_result,
        )
    result.conflicts.extend(item_result.conflicts)
    items_changed = bool(item_result.created or item_result.updated)
    if was_retired and not template.is_active:
        ChecklistTemplate.objects.filter(pk=template.pk).update(is_active=True)
        template.is_active = True
        result.details.append(f"reactivated {label}: its heading is back in the document")
        items_changed = True
    ImportedRecord.objects.filter(source_key=source_key).update(retired_at=None)
    if items_changed and outcome == Outcome.UNCHANGED:
        result.unchanged -= 1
        result.updated += 1
        result.details.append(f"updated {label}")
    return template


def checklist_templates_retire(*, keep: set[str]) -> LoadResult:
    """Deactivate the templates the running import's loader made before and whose heading is gone.

    Called once per import for each template loader, with the source keys it wrote this
    time. A deactivated template generates no new runs and attaches to no new incident;
    its runs and history are kept, and a later import that finds the heading again
    reactivates it. Return a LoadResult whose ``deactivated`` names each one.
    """
    session = current_session()
    result = LoadResult()
    content_type = ContentType.objects.get_for_model(ChecklistTemplate)
    gone = (
        ImportedRecord.objects.filter(loader=session.loader, content_type=content_type, retired_at__isnull=True)
        .exclude(source_key__in=keep)
        .order_by("source_key")
    )
    for record in gone:
        template = ChecklistTemplate.objects.filter(pk=record.object_id).first()
        if template is None:
            continue
        if ChecklistTemplate.objects.filter(pk=template.pk, is_active=True).update(is_active=False) == 1:
            result.deactivated.append(f"{template.name} (its heading “{record.heading}” is no longer in the document)")
        ImportedRecord.objects.filter(pk=record.pk).update(retired_at=session.now)
    return result
