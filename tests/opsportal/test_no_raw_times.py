"""Every page of every role and every e-mail shows time one way: no ISO timestamp or "0:30:00" in
visible text (outside ``<time datetime>`` attributes) and no doubled parenthesis "))"."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client

from changes.models import ChangeRequest
from checklists.models import ChecklistRun
from coordination.models import Meeting
from incidents.models import Incident, PostIncidentReview, Service
from oncall.models import Handover
from opsportal.demo import DEMO_USERS
from opsportal.handover_digest import handover_digest
from opsportal.models import Notification
from reporting.models import Report
from reporting.tables import report_tables

# 2026-11-30T14:05, 2026-11-30 14:05, and a timedelta's "0:30:00" or "1 day, 2:00:00".
ISO_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
RAW_DURATION = re.compile(r"(?<![\d:])\d{1,2}:\d{2}:\d{2}\b")
RAW_MINUTES = re.compile(r"\b\d{3,} minutes\b|\b\d+\.\d+ min\b")


class VisibleText(HTMLParser):
    """Collect the text a reader sees: no tags, attributes, scripts, styles or JSON data blocks."""

    HIDDEN = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def problems(text: str) -> list[str]:
    found = []
    for pattern in (ISO_TIMESTAMP, RAW_DURATION, RAW_MINUTES):
        found += [text[max(0, m.start() - 60) : m.end() + 20] for m in pattern.finditer(text)]
    found += [text[max(0, m.start() - 60) : m.end() + 20] for m in re.finditer(r"\)\)", text)]
    return found


def demo_pages() -> list[str]:
    """Return every page, with a detail page of each kind of record the demo holds."""
    pages = [
        "/", "/checklists/", "/checklists/history/", "/incidents/", "/incidents/declare/", "/incidents/at-risk/",
        "/services/", "/changes/", "/changes/new/", "/changes/calendar/", "/changes/calendar/?view=month",
        "/reports/", "/reports/list/", "/reports/measurements/new/", "/reports/measurements/import/",
        "/oncall/", "/oncall/handovers/", "/meetings/", "/skills/", "/vendors/", "/compliance/",
        "/compliance/records/", "/notifications/",
    ]  # fmt: skip
    for model in (ChecklistRun, Incident, ChangeRequest, Report, Handover, Meeting, Service):
        for record in list(model.objects.order_by("pk")[:2]) + list(model.objects.order_by("-pk")[:2]):
            pages.append(record.get_absolute_url())
    for change in ChangeRequest.objects.order_by("pk")[:3]:
        pages.append(f"/changes/{change.pk}/edit/")
    for review in PostIncidentReview.objects.order_by("pk")[:2]:
        pages.append(f"/incidents/{review.incident_id}/review/")
    for item in Incident.objects.exclude(from_item=None).order_by("pk")[:1]:
        pages.append(f"/incidents/declare/?from_item={item.from_item_id}")
    return list(dict.fromkeys(pages))


@pytest.fixture
def demo(db: Any) -> None:
    call_command("import_procedures", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.django_db
class TestNoRawTimesOrDoubledParentheses:
    def test_no_page_of_any_role_shows_them(self, demo: None) -> None:
        from django.contrib.auth import get_user_model

        pages = demo_pages()
        found: dict[str, list[str]] = {}
        for username in DEMO_USERS.values():
            client = Client()
            client.force_login(get_user_model().objects.get(username=username))
            for path in pages:
                response = client.get(path)
                if response.status_code not in (200, 403) or "text/html" not in response.get("Content-Type", ""):
                    continue
                if leaks := problems(visible_text(response.content.decode())):
                    found[f"{username} {path}"] = leaks
        assert not found, found

    def test_no_e_mail_shows_them(self, demo: None) -> None:
        found: dict[str, list[str]] = {}
        for report in Report.objects.order_by("pk"):
            context = {
                "report": report,
                "data": report.data,
                "tables": [t for t in report_tables(report.data) if t.key in {"business", "operational"}],
                "link": "https://ops.example.com/reports/1/",
            }
            for name in ("reporting/email/report.txt", "reporting/email/report.html"):
                text = render_to_string(name, context)
                if leaks := problems(visible_text(text) if name.endswith(".html") else text):
                    found[f"{name} report {report.pk}"] = leaks
        for notification in Notification.objects.all():
            if leaks := problems(f"{notification.subject}\n{notification.body}"):
                found[f"notification {notification.key}"] = leaks
        for handover in Handover.objects.order_by("pk")[:3]:
            digest = handover_digest(
                shift_start=handover.handoff_at, handoff_at=handover.handoff_at, next_end=handover.handoff_at
            )
            if leaks := problems(digest.as_text()):
                found[f"handover digest {handover.pk}"] = leaks
        assert Report.objects.exists()
        assert not found, found

    def test_the_checks_catch_what_they_look_for(self) -> None:
        assert problems("due 2026-11-30T14:05Z")
        assert problems("less than 0:30:00 away")
        assert problems("3641 minutes ago and 498.74 min")
        assert problems("within 4 h (business hours))")
        assert not problems("due in 25 min, 1 h 05 min, Mon 30 Nov 14:05 CET (business hours)")
        assert visible_text('<time datetime="2026-11-30T14:05:00Z" title="x">3 h ago</time>') == "3 h ago"
