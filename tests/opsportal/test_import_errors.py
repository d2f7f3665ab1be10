"""import_procedures reports every bad document with its line number, and imports nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.models import Severity
from opsportal.procedures.document import ProcedureError
from opsportal.procedures.importer import DEFAULT_DOCUMENT, procedures_import

BUNDLED = DEFAULT_DOCUMENT.read_text()
LINES = BUNDLED.splitlines()


def line_of(text: str) -> int:
    return next(number for number, line in enumerate(LINES, start=1) if text in line)


def import_file(tmp_path: Any, source: str) -> None:
    path = tmp_path / "procedures.md"
    path.write_text(source)
    call_command("import_procedures", str(path))


@pytest.mark.django_db
class TestImportProceduresErrors:
    def test_a_heading_over_200_characters_names_its_line(self, tmp_path):
        line = line_of("#### Morning Startup (8:00 AM)")
        source = BUNDLED.replace("#### Morning Startup (8:00 AM)", "#### " + "Morning " * 30 + "(8:00 AM)")
        with pytest.raises(CommandError, match=rf"line {line}: a heading is longer than 200 characters"):
            import_file(tmp_path, source)
        assert not Severity.objects.exists()

    def test_a_20_digit_response_time_names_its_line(self, tmp_path):
        line = line_of("**Response Time**: Within 1 hour")
        source = BUNDLED.replace("Within 1 hour", "Within 99999999999999999999 hours")
        with pytest.raises(CommandError, match=rf"line {line}: The response time .* is longer than 30 days"):
            import_file(tmp_path, source)
        assert not Severity.objects.exists()

    def test_a_response_time_over_30_days_names_its_line(self, tmp_path):
        line = line_of("**Response Time**: Within 24 hours")
        source = BUNDLED.replace("Within 24 hours", "Within 31 days")
        with pytest.raises(CommandError, match=rf"line {line}: The response time .* is longer than 30 days"):
            import_file(tmp_path, source)

    def test_a_20_digit_hour_count_in_a_phase_window_names_its_line(self, tmp_path):
        line = line_of("(15 minutes - 2 hours)")
        source = BUNDLED.replace("(15 minutes - 2 hours)", "(15 minutes - 99999999999999999999 hours)")
        with pytest.raises(CommandError, match=rf"line {line}: .*too long: a window lasts at most 366 days"):
            import_file(tmp_path, source)

    def test_a_key_over_100_characters_names_its_line(self, tmp_path):
        line = line_of("**Response Time**: Within 1 hour")
        source = BUNDLED.replace("**Response Time**: Within 1 hour", "**" + "Response " * 15 + "**: Within 1 hour")
        with pytest.raises(CommandError, match=rf"line {line}: a \*\*Key\*\* is longer than 100 characters"):
            import_file(tmp_path, source)

    def test_a_kpi_name_over_120_characters_names_its_line(self, tmp_path):
        kpi_line = next(line for line in LINES if line.startswith("- **Financial**"))
        source = BUNDLED.replace(kpi_line, kpi_line + ", " + "Revenue " * 20)
        with pytest.raises(CommandError, match=rf"line {line_of(kpi_line)}: .* cannot be a KPI name"):
            import_file(tmp_path, source)


# Lines a careless editor might write: huge numbers, odd times and windows, long text, markup.
_NUMBER = st.sampled_from(["0", "1", "12", "25", "99", "99999999999999999999", "1.5", "-3", "1e400"])
_UNIT = st.sampled_from(["minutes", "hours", "days", "min", "hrs", "", "weeks"])
_FRAGMENT = st.one_of(
    st.builds(lambda n, u: f"({n} {u})", _NUMBER, _UNIT),
    st.builds(lambda a, b, u: f"({a}-{b} {u})", _NUMBER, _NUMBER, _UNIT),
    st.builds(lambda n, u: f"(within {n} {u})", _NUMBER, _UNIT),
    st.builds(lambda h, m: f"({h}:{m} PM)", _NUMBER, _NUMBER),
    st.builds(lambda n: f"Week {n} -", _NUMBER),
    st.builds(lambda n, u: f"Within {n} {u}", _NUMBER, _UNIT),
    st.sampled_from(["Funday -", "Monday -", "Fifth Week -", "(P9)", "**", "- [ ]", "1.", "#", "```", "(varies)"]),
    st.text(alphabet="abc XYZ*_-#()[]:,.&0123456789", max_size=30),
    st.builds(lambda n: "x" * n, st.sampled_from([99, 101, 121, 201, 301, 501, 5001])),
)
_LINE = st.builds(lambda prefix, parts: prefix + " ".join(parts), st.sampled_from(["", "#### ", "- ", "- **Response Time**: ", "1. **Planning**: ", "- [ ] "]), st.lists(_FRAGMENT, min_size=1, max_size=3))  # fmt: skip


@pytest.mark.django_db
class TestImportNeverCrashes:
    @settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(position=st.integers(min_value=0, max_value=len(LINES) - 1), line=_LINE, replace=st.booleans())
    def test_any_edited_line_imports_or_names_a_line(self, position, line, replace):
        lines = list(LINES)
        if replace:
            lines[position] = line
        else:
            lines.insert(position, line)
        try:
            procedures_import(source="\n".join(lines))
        except ProcedureError as error:
            assert str(error).startswith(f"line {error.line}: ")
            assert 1 <= error.line <= len(lines)
