"""The severity loader of import_procedures."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.models import EscalationStep, EscalationTarget, Severity
from incidents.procedures import parse_response_time
from opsportal.procedures.document import ProcedureError

DOCUMENT = """# Ops
## Incident Management
### Severity Levels
#### Critical (P0) - System Down
- **Response Time**: Immediate (within 15 minutes)
- **Escalation**: All hands on deck
- **Examples**: Outage
#### Medium (P2) - Limited Impact
- **Response Time**: {p2}
- **Escalation**: Assigned team member
"""


def write(tmp_path, p2="Within 4 hours during business hours"):
    path = tmp_path / "procedures.md"
    path.write_text(DOCUMENT.format(p2=p2))
    return str(path)


class TestParseResponseTime:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Immediate (within 15 minutes)", (15, False)),
            ("Within 1 hour", (60, False)),
            ("Within 4 hours during business hours", (240, True)),
            ("Within 24 hours", (1440, False)),
            ("Within 2 days", (2880, False)),
        ],
    )
    def test_it_reads_the_reference_phrases(self, text, expected):
        assert parse_response_time(text, 1) == expected

    def test_it_rejects_words_without_a_duration(self):
        with pytest.raises(ProcedureError) as error:
            parse_response_time("As soon as possible", 12)
        assert error.value.line == 12


@pytest.mark.django_db
class TestImportSeverities:
    def test_the_bundled_document_loads_p0_to_p3(self):
        call_command("import_procedures")
        severities = {s.code: s for s in Severity.objects.all()}
        assert [(c, s.response_minutes, s.business_hours_only) for c, s in sorted(severities.items())] == [
            ("P0", 15, False), ("P1", 60, False), ("P2", 240, True), ("P3", 1440, False),
        ]  # fmt: skip
        assert severities["P0"].name == "Critical - System Down"
        assert "payment processing failure" in severities["P0"].examples
        first = severities["P0"].escalation_steps.order_by("position").first()
        assert (first.target, first.group.name, first.repeat_every_minutes, first.max_repeats) == (
            EscalationTarget.GROUP, "On-call engineer", 5, 6,
        )  # fmt: skip

    def test_reimport_updates_in_place(self, tmp_path):
        call_command("import_procedures", write(tmp_path))
        steps = EscalationStep.objects.count()
        call_command("import_procedures", write(tmp_path, p2="Within 8 hours during business hours"))
        assert Severity.objects.count() == 2
        assert Severity.objects.get(code="P2").response_minutes == 480
        assert EscalationStep.objects.count() == steps

    def test_an_edited_policy_survives_reimport(self, tmp_path):
        call_command("import_procedures", write(tmp_path))
        EscalationStep.objects.filter(severity__code="P0").update(repeat_every_minutes=7)
        call_command("import_procedures", write(tmp_path))
        assert set(
            EscalationStep.objects.filter(severity__code="P0").values_list("repeat_every_minutes", flat=True)
        ) == {7}

    def test_an_unreadable_response_time_names_its_line(self, tmp_path):
        with pytest.raises(CommandError, match="line 9: Cannot read"):
            call_command("import_procedures", write(tmp_path, p2="Whenever"))
        assert not Severity.objects.exists()

    def test_a_title_without_code_is_rejected(self, tmp_path):
        path = tmp_path / "p.md"
        path.write_text(DOCUMENT.format(p2="Within 1 hour").replace("Medium (P2)", "Medium"))
        with pytest.raises(CommandError, match="line 8"):
            call_command("import_procedures", str(path))
