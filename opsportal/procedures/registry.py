"""The registry of procedure loaders that each app adds to.

A loader says which sections it claims (by their shape and a few title words, never by an
exact title) and turns a claimed section into that app's data. Sections are offered depth
first, to loaders in ``order``; the first loader that claims a section takes it with
everything below it, so nothing is loaded twice.

An app registers its loader in ``<app>/procedures.py``, imported from its ``AppConfig.ready``::

    @register_loader("checklists.calendar", claims=_is_calendar_section, order=10)
    def load_calendar(section: Section) -> LoadResult:
        ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from opsportal.procedures.document import Document, Section


@dataclass
class LoadResult:
    """What a loader did with one section."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    details: list[str] = field(default_factory=list)
    # Rows edited since the last import, kept as they are (``--overwrite`` replaces them).
    conflicts: list[str] = field(default_factory=list)
    # Rows whose heading left the document, retired (deactivated) but kept for their history.
    deactivated: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return a one-line summary such as "3 created, 1 updated, 2 conflicts"."""
        parts = [f"{self.created} created", f"{self.updated} updated"]
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged")
        if self.conflicts:
            parts.append(f"{len(self.conflicts)} conflict{'s' if len(self.conflicts) != 1 else ''}")
        if self.deactivated:
            parts.append(f"{len(self.deactivated)} deactivated")
        return ", ".join(parts)


@dataclass(frozen=True)
class Loader:
    """A named loader: which sections it claims and how it loads one."""

    name: str
    claims: Callable[[Section], bool]
    load: Callable[[Section], LoadResult]
    order: int = 100
    # Called once after an import in which the loader ran, with the source keys it wrote:
    # retire what it imported before whose heading is gone (see opsportal.procedures.provenance).
    retire: Callable[[set[str]], LoadResult] | None = None


_loaders: dict[str, Loader] = {}

LoadFunction = Callable[[Section], LoadResult]


def register_loader(
    name: str,
    *,
    claims: Callable[[Section], bool],
    order: int = 100,
    retire: Callable[[set[str]], LoadResult] | None = None,
) -> Callable[[LoadFunction], LoadFunction]:
    """Register the decorated function as the loader ``name`` (re-registering replaces it)."""

    def decorator(load: LoadFunction) -> LoadFunction:
        _loaders[name] = Loader(name=name, claims=claims, load=load, order=order, retire=retire)
        return load

    return decorator


def loaders() -> list[Loader]:
    """Return the registered loaders in the order they are offered sections."""
    return sorted(_loaders.values(), key=lambda loader: (loader.order, loader.name))


def assign_sections(document: Document) -> tuple[list[tuple[Loader, Section]], list[Section]]:
    """Return (loader, section) pairs in document order, and the leaf sections nobody claimed."""
    ordered = loaders()
    assigned: list[tuple[Loader, Section]] = []
    unclaimed: list[Section] = []

    def visit(section: Section) -> None:
        for loader in ordered:
            if loader.claims(section):
                assigned.append((loader, section))
                return
        if section.children:
            for child in section.children:
                visit(child)
        elif section.entries:
            unclaimed.append(section)

    for root in document.sections:
        visit(root)
    return assigned, unclaimed
