"""import_procedures loads a standard-change catalogue when the document names one (the reference names none)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from changes.models import StandardChangeTemplate

CATALOGUE = """# Ops
## Standard Changes
### Rotate TLS certificates
- **Description**: Before they expire.
- **Services**: cdn, web
- **Implementation plan**: Deploy the new certificate to each load balancer.
- **Rollback plan**: Re-deploy the previous certificate.
- **Impact**: medium
### Purge CDN cache
- **Implementation plan**: Purge the listed paths.
- **Rollback plan**: None needed; the cache refills.
"""


@pytest.mark.django_db
class TestStandardTemplateImport:
    def test_the_reference_document_names_no_standard_changes(self):
        call_command("import_procedures", verbosity=0)
        assert not StandardChangeTemplate.objects.exists()

    def test_a_catalogue_is_imported_once(self, tmp_path):
        path = tmp_path / "procedures.md"
        path.write_text(CATALOGUE)
        call_command("import_procedures", str(path), verbosity=0)
        call_command("import_procedures", str(path), verbosity=0)
        certificates = StandardChangeTemplate.objects.get(name="Rotate TLS certificates")
        assert (certificates.affected_services, certificates.impact, certificates.risk) == ("cdn, web", "medium", "low")
        assert certificates.rollback_plan == "Re-deploy the previous certificate."
        assert StandardChangeTemplate.objects.count() == 2

    def test_a_high_risk_high_impact_template_is_refused_with_its_line(self, tmp_path):
        path = tmp_path / "procedures.md"
        path.write_text(CATALOGUE.replace("- **Impact**: medium", "- **Impact**: high\n- **Likelihood**: high"))
        with pytest.raises(CommandError, match=r"line 3: .*never standard"):
            call_command("import_procedures", str(path), verbosity=0)
        assert not StandardChangeTemplate.objects.exists()
