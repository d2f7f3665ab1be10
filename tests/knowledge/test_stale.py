"""A page past its review date is marked stale and its owner reminded once per review period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from knowledge import services
from knowledge.models import Page, PageReviewReminder
from knowledge.tasks import remind_stale_pages
from opsportal.models import Notification

PUBLISHED = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)


@pytest.fixture
def page(quality_template, oncall_user, ops_user, tick_all):
    with time_machine.travel(PUBLISHED, tick=False):
        page = services.page_create(by=oncall_user, title="Rotate keys", body="Rotate.\n", review_interval_days=30)
        version = page.versions.get(number=1)
        tick_all(version, ops_user)
        services.version_publish(version=version, by=oncall_user)
    page.refresh_from_db()
    return page


def reminders(user):
    return Notification.objects.filter(recipient=user, key__startswith="knowledge-page-")


@pytest.mark.django_db
class TestStaleReminders:
    def test_the_review_date_is_thirty_days_of_elapsed_time_after_publishing(self, page):
        assert page.review_due_at == PUBLISHED + timedelta(days=30)

    def test_nothing_is_sent_before_the_review_date(self, page, oncall_user):
        with time_machine.travel(PUBLISHED + timedelta(days=29, hours=23), tick=False):
            assert services.pages_remind_stale() == 0
        assert not reminders(oncall_user).exists()

    def test_the_owner_is_reminded_exactly_once_per_period(self, page, oncall_user, client_for):
        with time_machine.travel(PUBLISHED + timedelta(days=31), tick=False):
            assert remind_stale_pages() == 1
            assert remind_stale_pages() == 0
            assert services.page_remind_stale(page=Page.objects.get(pk=page.pk), now=datetime.now(UTC)) is False
            assert reminders(oncall_user).count() == 1
            assert PageReviewReminder.objects.filter(page=page).count() == 1
            content = client_for(oncall_user).get(f"/knowledge/{page.pk}/").content.decode()
            assert 'data-testid="stale-banner"' in content
            assert 'data-testid="stale-badge"' in client_for(oncall_user).get("/knowledge/").content.decode()

    def test_a_review_starts_a_new_period_with_its_own_reminder(self, page, oncall_user):
        with time_machine.travel(PUBLISHED + timedelta(days=31), tick=False):
            services.pages_remind_stale()
            services.page_mark_reviewed(page=page, by=oncall_user)
            assert services.pages_remind_stale() == 0
        with time_machine.travel(PUBLISHED + timedelta(days=62), tick=False):
            assert services.pages_remind_stale() == 1
        assert reminders(oncall_user).count() == 2

    def test_the_sweep_issues_a_fixed_number_of_queries(self, page, django_assert_num_queries):
        # One query: the stale pages not yet reminded this period (none yet).
        with time_machine.travel(PUBLISHED + timedelta(days=10), tick=False), django_assert_num_queries(1):
            services.pages_remind_stale()
