"""No query string makes a page answer 5xx: impossible dates, huge numbers and junk get a page."""

from __future__ import annotations

import pytest

PAGES = [
    "/",
    "/checklists/",
    "/checklists/history/",
    "/incidents/",
    "/incidents/at-risk/",
    "/incidents/declare/",
    "/changes/",
    "/changes/new/",
    "/changes/calendar/",
    "/reports/",
    "/reports/list/",
    "/reports/measurements/new/",
    "/reports/measurements/import/",
    "/notifications/",
    "/knowledge/",
    "/knowledge/search/",
    "/knowledge/new/",
    "/compliance/access-reviews/",
    "/compliance/training/",
    "/compliance/access/audit.csv",
]
HUGE = "99999999999999999999"
HOSTILE = [
    {"date": "9999-12-31", "view": "month", "date_from": "0001-01-01", "date_to": "9999-12-31"},
    {"page": HUGE, "range": HUGE, "kind": "x" * 300, "table": "\x00"},
    {"template": HUGE, "assignee": HUGE, "service": HUGE, "severity": "P9", "status": "<b>", "from_item": HUGE},
    {"window_from": "9999-12-31", "window_to": "0001-01-01", "type": "x", "risk": "x", "page": "-1"},
    {"from_item": "abc", "date": "2026-02-30", "page": "abc", "range": "abc"},
]


@pytest.mark.django_db
class TestHostileQueryStrings:
    @pytest.mark.parametrize("path", PAGES)
    def test_no_page_answers_a_server_error(self, client_for, admin_user, path):
        admin_user.is_superuser = True
        admin_user.save(update_fields=["is_superuser"])
        client = client_for(admin_user)
        for params in HOSTILE:
            response = client.get(path, params)
            assert response.status_code < 500, (path, params, response.status_code)


HOSTILE_FORMS = [
    (
        "/incidents/declare/",
        {"title": "x", "severity": "P1", "users_affected": HUGE, "detected_at": "0001-01-01T00:00"},
    ),
    ("/incidents/declare/", {"title": "x" * 300, "severity": "P9", "detected_at": "9999-12-31T23:59"}),
    ("/changes/new/", {"title": "x", "window_start": "9999-12-31T23:59", "window_end": "0001-01-01T00:00"}),
    ("/changes/new/", {"title": "x", "implementer": HUGE, "likelihood": "x", "change_type": "x"}),
    ("/reports/measurements/new/", {"kpi": HUGE, "date": "0001-01-01", "value": "1e400"}),
    ("/reports/measurements/new/", {"kpi": "abc", "date": "9999-12-31", "value": "NaN"}),
    (
        "/knowledge/new/",
        {"title": "x" * 300, "body": "\x00", "kind": "x", "tags": "Bad Tag!", "review_interval_days": HUGE},
    ),
    ("/knowledge/new/", {"title": "x", "body": "y", "kind": "runbook", "service": HUGE, "review_interval_days": "0"}),
]


@pytest.mark.django_db
class TestHostileForms:
    @pytest.mark.parametrize(("path", "data"), HOSTILE_FORMS)
    @pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
    def test_no_form_answers_a_server_error(self, client_for, admin_user, path, data, zone):
        client = client_for(admin_user)
        client.cookies["tz"] = zone
        response = client.post(path, data)
        assert response.status_code < 500, (path, data, response.status_code)
