"""opsportal.outbox.insert_once: the one insert-at-most-once helper of every sweep and outbox."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from incidents.models import BusinessCalendar, Holiday, ReviewReminder
from opsportal.models import Notification
from opsportal.outbox import insert_once


@pytest.mark.django_db
class TestInsertOnce:
    def test_it_creates_the_row_and_says_so(self, ops_user: Any) -> None:
        notification, created = insert_once(
            Notification, recipient=ops_user, key="k-1", defaults={"subject": "First", "body": "b"}
        )
        assert created is True
        assert Notification.objects.get(pk=notification.pk).subject == "First"

    def test_a_second_insert_returns_the_first_row_and_changes_nothing(self, ops_user: Any) -> None:
        first, _ = insert_once(Notification, recipient=ops_user, key="k-1", defaults={"subject": "First"})
        second, created = insert_once(Notification, recipient=ops_user, key="k-1", defaults={"subject": "Second"})
        assert created is False
        assert second.pk == first.pk
        assert Notification.objects.get().subject == "First"

    def test_a_conflict_rolls_back_only_its_own_savepoint(self, ops_user: Any) -> None:
        with transaction.atomic():
            insert_once(Notification, recipient=ops_user, key="k-1", defaults={"subject": "First"})
            insert_once(Notification, recipient=ops_user, key="k-1", defaults={"subject": "Again"})
            insert_once(Notification, recipient=ops_user, key="k-2", defaults={"subject": "Other"})
        assert sorted(Notification.objects.values_list("key", flat=True)) == ["k-1", "k-2"]

    def test_it_works_with_a_multi_field_constraint(self) -> None:
        calendar = BusinessCalendar.objects.create(name="Office")
        _holiday, created = insert_once(Holiday, calendar=calendar, date=date(2026, 12, 25), defaults={"name": "X"})
        assert created is True
        assert insert_once(Holiday, calendar=calendar, date=date(2026, 12, 25))[1] is False
        assert Holiday.objects.count() == 1

    def test_an_error_from_another_constraint_is_raised(self, ops_user: Any) -> None:
        with pytest.raises(IntegrityError):
            # No review and no action item: the check constraint refuses it and no row matches.
            insert_once(ReviewReminder, review=None, defaults={"action_item": None})


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestInsertOnceConcurrently:
    def test_of_many_concurrent_callers_exactly_one_creates(self, ops_user: Any) -> None:
        callers = 6
        barrier = threading.Barrier(callers)
        results: list[tuple[int, bool]] = []
        errors: list[BaseException] = []

        def insert() -> None:
            try:
                barrier.wait(timeout=10)
                with transaction.atomic():
                    row, created = insert_once(
                        Notification, recipient_id=ops_user.pk, key="race", defaults={"subject": "s"}
                    )
                results.append((row.pk, created))
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=insert) for _ in range(callers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert Notification.objects.filter(key="race").count() == 1
        assert sorted(created for _pk, created in results) == [False] * (callers - 1) + [True]
        assert {pk for pk, _created in results} == {Notification.objects.get(key="race").pk}


class TestNoCopiesLeft:
    def test_no_sweep_or_outbox_module_catches_integrity_errors_or_ignores_conflicts_itself(self) -> None:
        from pathlib import Path

        root = Path(__file__).resolve().parents[2]
        modules = [
            "checklists/services.py",
            "incidents/services.py",
            "changes/services.py",
            "reporting/services.py",
            "opsportal/notifications.py",
        ]
        for module in modules:
            text = (root / module).read_text(encoding="utf-8")
            assert "IntegrityError" not in text, module
            assert "ignore_conflicts" not in text, module
