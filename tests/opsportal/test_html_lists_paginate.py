"""Every HTML list paginates: a page holds at most its page size, with links to the other pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from opsportal.models import Notification
from reporting.models import Report
from tests.reporting.conftest import operational_history

NOW = datetime(2026, 11, 27, 14, tzinfo=UTC)
PAGE_SIZE = 25
# (page, what marks one row on it)
LISTS = {
    "/incidents/?status=all": r'data-incident="\d+"',  # open ones only by default: too few to page
    "/changes/": r'href="/changes/\d+/"',
    "/checklists/history/": r'href="/checklists/runs/\d+/"',
    "/reports/list/": r'href="/reports/\d+/"',
    "/notifications/": r"<span>Note \d+</span>",
}


@pytest.fixture
def long_lists(admin_user: Any) -> None:
    """More than a page of every list: 30 days of runs, incidents and changes; 30 reports; 30 notifications."""
    with time_machine.travel(NOW, tick=False):
        operational_history.seed_operational_history(start=date(2026, 10, 27), end=date(2026, 11, 25))
    Report.objects.bulk_create(
        Report(
            kind="weekly",
            period_start=date(2026, 1, 5) + timedelta(weeks=week),
            period_end=date(2026, 1, 11) + timedelta(weeks=week),
            built_at=NOW,
            data={},
        )
        for week in range(30)
    )
    Notification.objects.bulk_create(
        Notification(recipient=admin_user, key=f"note-{number}", subject=f"Note {number}", created_at=timezone.now())
        for number in range(30)
    )


@pytest.mark.django_db
class TestEveryHtmlListPaginates:
    @pytest.mark.parametrize("url", list(LISTS))
    def test_the_first_page_holds_one_page_of_rows_and_links_to_the_next(self, url, client_for, admin_user, long_lists):
        client = client_for(admin_user)
        with time_machine.travel(NOW, tick=False):
            first = client.get(url).content.decode()
            second = client.get(f"{url}{'&' if '?' in url else '?'}page=2").content.decode()
        rows = set(re.findall(LISTS[url], first))
        assert 0 < len(re.findall(LISTS[url], first)) <= PAGE_SIZE
        assert re.search(r'href="\?(?:[^"]*&amp;)?page=2"', first), "no link to page 2"
        assert "Page 1 of" in first
        assert "Page 2 of" in second
        assert re.search(r'href="\?(?:[^"]*&amp;)?page=1"', second), "no link back to page 1"
        assert rows.isdisjoint(set(re.findall(LISTS[url], second))), "page 2 repeats page 1"
