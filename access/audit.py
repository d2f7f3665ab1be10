"""The role audit trail: record every role group granted or revoked, and by whom.

Why a signal here, when the house style keeps logic out of signals: roles change in places the
portal does not own (Django admin's user and group pages, ``createsuperuser`` scripts, the
shell), and an audit trail that only the portal's own services write would miss exactly the
changes it exists to catch. ``m2m_changed`` on ``User.groups`` fires for every one of them,
from either side of the relation (``user.groups.set(...)`` and ``group.user_set.add(...)``).
The hook only *records*; it decides nothing.

Who acted comes from a context variable: :class:`access.middleware.RoleChangeActorMiddleware`
sets it to the request's user for every web request (so Django admin edits are attributed
without overriding the user admin), and services set it explicitly with :func:`acting_as`
(an access review's revocation names the deciding manager). A ``ContextVar`` is per thread and
per task, so concurrent requests never see each other's actor. Outside both (a command, a
Celery task) ``by`` stays empty: the system did it.

The roles data migration uses historical models, whose through model is another class, so it
records nothing: the trail starts when this app is installed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from access.models import RoleChange
from opsportal import clock
from opsportal.roles import ALL_ROLES

_actor: ContextVar[tuple[Any, str] | None] = ContextVar("access_role_change_actor", default=None)
_PENDING = "_access_role_removals"


@contextmanager
def acting_as(user: Any, via: str) -> Iterator[None]:
    """Attribute the role changes made inside the block to ``user``, made ``via`` (a place, a record)."""
    token = _actor.set((user, via[:200]))
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> tuple[int | None, str]:
    """Return the acting user's id (None for the system or an anonymous request) and the ``via``."""
    actor = _actor.get()
    if actor is None:
        return None, ""
    user, via = actor
    if not getattr(user, "is_authenticated", False):
        return None, via
    return user.pk, via


def _role_names(group_ids: Iterable[int]) -> dict[int, str]:
    """Return {group id: role name} for the role groups among ``group_ids``."""
    names = [role.value for role in ALL_ROLES]
    return dict(Group.objects.filter(pk__in=list(group_ids), name__in=names).values_list("pk", "name"))


def _memberships(instance: Any, reverse: bool, pk_set: Iterable[int] | None) -> set[tuple[int, int]]:
    """Return the (user id, group id) pairs that exist now, limited to ``pk_set`` when given."""
    through = get_user_model().groups.through
    rows = through.objects.filter(group_id=instance.pk) if reverse else through.objects.filter(user_id=instance.pk)
    if pk_set is not None:
        rows = rows.filter(**{"user_id__in" if reverse else "group_id__in": list(pk_set)})
    return set(rows.values_list("user_id", "group_id"))


def _record(pairs: Iterable[tuple[int, int]], action: str) -> None:
    pairs = list(pairs)
    if not pairs:
        return
    roles = _role_names({group_id for _, group_id in pairs})
    by_id, via = current_actor()
    now = clock.now()
    RoleChange.objects.bulk_create(
        RoleChange(user_id=user_id, user_number=user_id, role=roles[group_id], action=action, at=now, by_id=by_id,
                   via=via)
        for user_id, group_id in sorted(pairs)
        if group_id in roles
    )  # fmt: skip


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="access.audit.record_role_changes")
def record_role_changes(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """Record role groups added to or removed from users, from either side of the relation.

    Removals are read before they happen (``pre_remove``, ``pre_clear``) so only memberships
    that existed are recorded; additions arrive with only the new ids (Django drops the ones
    already there).
    """
    if action in ("pre_remove", "pre_clear"):
        setattr(instance, _PENDING, _memberships(instance, reverse, pk_set if action == "pre_remove" else None))
    elif action in ("post_remove", "post_clear"):
        _record(getattr(instance, _PENDING, set()), RoleChange.Action.REVOKED)
        setattr(instance, _PENDING, set())
    elif action == "post_add" and pk_set:
        pairs = {(other, instance.pk) if reverse else (instance.pk, other) for other in pk_set}
        _record(pairs, RoleChange.Action.GRANTED)
