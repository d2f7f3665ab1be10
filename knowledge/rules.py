"""Who may do what in the knowledge library: the one module of predicates, used by views, API and services.

- Every portal role reads the library's published pages, and every role may write (edit a page,
  making a new draft version), as the procedures expect everyone to keep the runbooks current.
- Drafts (versions not yet published) are seen by their author, the page's owner and the
  reviewers: Ops staff (who own the quality checklist), managers and admins.
- Publishing needs the version's quality checklist done, ticked by someone other than the
  author; that is the services' check, not a role.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from opsportal.roles import ALL_ROLES, Role, has_role

READERS: tuple[Role, ...] = ALL_ROLES
WRITERS: tuple[Role, ...] = (Role.OPS, Role.ONCALL, Role.MANAGER, Role.ADMIN)
REVIEWERS: tuple[Role, ...] = (Role.OPS, Role.MANAGER, Role.ADMIN)

VIEW_REFUSAL = "The knowledge library needs one of these roles: " + ", ".join(r.value for r in READERS) + "."
WRITE_REFUSAL = "Only Ops staff, on-call engineers, managers and admins write knowledge pages."
DRAFT_REFUSAL = "This version is a draft: only its author, the page's owner and reviewers may read it."


def may_view(user: Any) -> bool:
    """Return True when ``user`` may read the library's published pages."""
    return has_role(user, READERS)


def may_write(user: Any) -> bool:
    """Return True when ``user`` may create pages, edit them (a new version) and publish reviewed versions."""
    return has_role(user, WRITERS)


def may_review(user: Any) -> bool:
    """Return True when ``user`` reviews drafts: sees them and may tick their quality checklist."""
    return has_role(user, REVIEWERS)


def may_see_version(user: Any, version: Any, page: Any) -> bool:
    """Return True when ``user`` may read ``version`` of ``page``: published, or theirs, or a reviewer's."""
    if not may_view(user):
        return False
    if version.published_at is not None:
        return True
    return user.pk in (version.author_id, page.owner_id) or may_review(user)


def may_see_drafts(user: Any, page: Any) -> bool:
    """Return True when ``user`` sees every draft of ``page`` (owner or reviewer)."""
    return may_view(user) and (page.owner_id == user.pk or may_review(user))


def require(allowed: bool, message: str) -> None:
    """Raise ``PermissionDenied`` with ``message`` unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(message)
