"""The incidents demo seeder."""

import pytest
from django.core.management import call_command

from incidents.models import EscalationNotice, Incident, IncidentStatus, PostIncidentReview


@pytest.mark.django_db
class TestSeedDemo:
    def test_it_builds_a_realistic_history_once(self, capsys):
        call_command("seed_demo")
        count = Incident.objects.count()
        assert 35 <= count <= 45
        assert set(Incident.objects.values_list("severity__code", flat=True)) == {"P0", "P1", "P2", "P3"}
        assert Incident.objects.filter(status=IncidentStatus.CLOSED).exists()
        assert Incident.objects.filter(status=IncidentStatus.DECLARED).exists()
        breached = [i for i in Incident.objects.exclude(acknowledged_at=None) if i.acknowledged_at > i.response_due_at]
        assert breached
        assert PostIncidentReview.objects.exclude(completed_at=None).exists()
        call_command("seed_demo")
        assert Incident.objects.count() == count
        assert not EscalationNotice.objects.exists()
