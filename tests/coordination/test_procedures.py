"""import_procedures creates the four meeting schedules from the bundled document and any document in its shape."""

from __future__ import annotations

from datetime import time

import pytest

from coordination.models import MeetingSchedule
from opsportal.procedures.document import ProcedureError
from opsportal.procedures.importer import DEFAULT_DOCUMENT, procedures_import

RESHAPED = """# Our Handbook

## How we talk to each other

### Meeting cadence
- A quick stand-up every morning (daily) to share blockers
- Monthly all hands to align on strategy
- Weekly planning meeting for the sprint
- Quarterly business review with leadership
- Everyone reads the wiki
"""


@pytest.mark.django_db
class TestMeetingScheduleImport:
    def test_the_bundled_document_creates_the_four_schedules(self):
        procedures_import(source=DEFAULT_DOCUMENT.read_text(encoding="utf-8"))
        schedules = {s.kind: s for s in MeetingSchedule.objects.all()}
        assert sorted(schedules) == ["monthly", "quarterly", "standup", "weekly"]
        assert schedules["standup"].time_of_day == time(9, 15)
        assert schedules["weekly"].weekday == 0 and schedules["weekly"].time_of_day == time(10)
        assert schedules["standup"].purpose == "Operational updates"

    def test_a_reshaped_document_creates_them_too(self):
        report = procedures_import(source=RESHAPED)
        assert sorted(MeetingSchedule.objects.values_list("kind", flat=True)) == [
            "monthly", "quarterly", "standup", "weekly",
        ]  # fmt: skip
        assert any(loader == "coordination.meetings" for loader, _, _ in report.loaded)
        assert MeetingSchedule.objects.get(kind="weekly").purpose == "The sprint"

    def test_reimport_keeps_an_admins_edit_and_never_duplicates(self):
        source = RESHAPED
        procedures_import(source=source)
        standup = MeetingSchedule.objects.get(kind="standup")
        standup.name = "Morning huddle"
        standup.time_of_day = time(9, 30)
        standup.save()
        report = procedures_import(source=source)
        standup.refresh_from_db()
        assert standup.name == "Morning huddle" and standup.time_of_day == time(9, 30)
        assert any("Daily standup" in conflict for conflict in report.conflicts)
        assert MeetingSchedule.objects.count() == 4

    def test_a_cadence_listed_twice_is_refused_with_its_line(self):
        with pytest.raises(ProcedureError) as error:
            procedures_import(source=RESHAPED + "- Another daily standup meeting\n")
        assert error.value.line == 11
        assert MeetingSchedule.objects.count() == 0

    def test_a_cadence_dropped_from_the_document_is_deactivated_and_comes_back(self):
        procedures_import(source=RESHAPED)
        without_monthly = RESHAPED.replace("- Monthly all hands to align on strategy\n", "")
        report = procedures_import(source=without_monthly)
        assert not MeetingSchedule.objects.get(kind="monthly").is_active
        assert any("coordination.meeting:monthly" in row for row in report.deactivated)
        procedures_import(source=RESHAPED)
        assert MeetingSchedule.objects.get(kind="monthly").is_active
