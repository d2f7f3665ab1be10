"""The one time format: relative, absolute (year when not this year, zone), durations in h and min."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template
from django.utils import timezone

from opsportal import timefmt

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)


class TestRelative:
    @pytest.mark.parametrize(
        ("delta", "text"),
        [
            (timedelta(minutes=25), "in 25 min"),
            (timedelta(minutes=-25), "25 min ago"),
            (timedelta(hours=3, minutes=59), "in 3 h"),
            (timedelta(hours=-3, minutes=-10), "3 h ago"),
            (timedelta(days=2, hours=1), "in 2 days"),
            (timedelta(days=-1, hours=-2), "1 day ago"),
            (timedelta(seconds=20), "in under a minute"),
            (timedelta(seconds=-20), "just now"),
            (timedelta(0), "just now"),
        ],
    )
    def test_it_says_how_far_in_the_future_or_past(self, delta: timedelta, text: str) -> None:
        assert timefmt.relative(NOW + delta, now=NOW, zone=BERLIN) == text

    def test_it_writes_far_instants_as_a_date_with_the_year_when_not_this_year(self) -> None:
        assert timefmt.relative(datetime(2025, 3, 12, 9, tzinfo=UTC), now=NOW, zone=BERLIN) == "on Wed 12 Mar 2025"
        assert timefmt.relative(datetime(2026, 3, 12, 9, tzinfo=UTC), now=NOW, zone=BERLIN) == "on Thu 12 Mar"

    def test_it_counts_real_hours_across_a_daylight_saving_night(self) -> None:
        # 2026-10-25: Berlin falls back at 03:00 CEST. 00:30 CEST to 04:30 CET is five real hours.
        start = datetime(2026, 10, 25, 0, 30, tzinfo=BERLIN)
        end = datetime(2026, 10, 25, 4, 30, tzinfo=BERLIN)
        assert timefmt.relative(end, now=start, zone=BERLIN) == "in 5 h"

    def test_it_refuses_a_naive_datetime(self) -> None:
        with pytest.raises(ValueError, match="naive"):
            timefmt.relative(datetime(2026, 1, 1), now=NOW, zone=BERLIN)


class TestAbsolute:
    def test_it_shows_the_local_wall_clock_and_zone_without_this_years_year(self) -> None:
        assert timefmt.absolute(NOW, now=NOW, zone=BERLIN) == "Mon 30 Nov 14:00 CET"

    def test_it_adds_the_year_across_a_year_boundary(self) -> None:
        new_year = datetime(2027, 1, 1, 0, 5, tzinfo=BERLIN)
        late = datetime(2026, 12, 31, 23, 50, tzinfo=BERLIN)
        assert timefmt.absolute(late, now=new_year, zone=BERLIN) == "Thu 31 Dec 2026 23:50 CET"
        assert timefmt.absolute(new_year, now=late, zone=BERLIN) == "Fri 1 Jan 2027 00:05 CET"

    def test_the_year_is_the_year_in_the_zone_not_in_utc(self) -> None:
        # 23:30 UTC on 31 Dec is already 2027 in Berlin.
        now = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
        assert timefmt.absolute(datetime(2027, 1, 1, 8, tzinfo=BERLIN), now=now, zone=BERLIN) == "Fri 1 Jan 08:00 CET"

    def test_it_names_summer_time(self) -> None:
        summer = datetime(2026, 7, 1, 10, tzinfo=UTC)
        assert timefmt.absolute(summer, now=summer, zone=BERLIN) == "Wed 1 Jul 12:00 CEST"

    def test_the_date_alone_has_the_year_when_not_this_year(self) -> None:
        assert timefmt.absolute_date(date(2025, 12, 31), today=date(2026, 1, 1)) == "Wed 31 Dec 2025"
        assert timefmt.absolute_date(date(2026, 12, 31), today=date(2026, 1, 1)) == "Thu 31 Dec"


class TestDuration:
    @pytest.mark.parametrize(
        ("value", "unit", "text"),
        [
            (timedelta(hours=1, minutes=5), "min", "1 h 05 min"),
            (timedelta(minutes=30), "min", "30 min"),
            (498.74, "min", "8 h 19 min"),
            (Decimal("120"), "min", "2 h"),
            (1.5, "h", "1 h 30 min"),
            (90, "s", "2 min"),
            (0, "min", "0 min"),
            (0.2, "min", "under 1 min"),
            (timedelta(hours=50), "min", "2 days 2 h"),
            (-45, "min", "-45 min"),
            (None, "min", ""),
        ],
    )
    def test_it_writes_hours_and_minutes(self, value: object, unit: str, text: str) -> None:
        assert timefmt.duration(value, unit=unit) == text  # type: ignore[arg-type]


class TestTemplateFilters:
    @pytest.fixture(autouse=True)
    def berlin(self, settings: object) -> None:
        settings.TIME_ZONE = "Europe/Berlin"  # type: ignore[attr-defined]

    def render(self, source: str, **context: object) -> str:
        with timezone.override(BERLIN):
            return Template("{% load portal_time %}" + source).render(Context(context))

    def test_when_renders_a_time_element_with_the_absolute_as_title(self) -> None:
        with time_machine.travel(NOW, tick=False):
            html = self.render("{{ at|when }}", at=NOW - timedelta(hours=3))
        assert html == '<time datetime="2026-11-30T10:00:00Z" title="Mon 30 Nov 11:00 CET" class="when">3 h ago</time>'

    def test_when_text_is_the_absolute_alone_with_the_year_when_not_this_year(self) -> None:
        with time_machine.travel(datetime(2027, 1, 1, 0, 5, tzinfo=BERLIN), tick=False):
            text = self.render("{{ at|when_text }}", at=datetime(2026, 12, 31, 22, 0, tzinfo=UTC))
        assert text == "Thu 31 Dec 2026 23:00 CET"

    def test_when_reads_iso_text_and_dates_and_ignores_nothing(self) -> None:
        with time_machine.travel(NOW, tick=False):
            assert "2 h ago" in self.render("{{ at|when }}", at="2026-11-30T11:00:00+00:00")
            assert self.render("{{ day|when }}", day=date(2026, 12, 1)) == (
                '<time datetime="2026-12-01" class="when">Tue 1 Dec</time>'
            )
            assert self.render("{{ nothing|when }}{{ nothing|when_text }}", nothing=None) == ""

    def test_duration_reads_minutes_or_the_unit_given(self) -> None:
        assert (
            self.render("{{ m|duration }} / {{ h|duration:'h' }}", m=65, h=Decimal("2.25")) == "1 h 05 min / 2 h 15 min"
        )
