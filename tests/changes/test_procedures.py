"""The changes loaders: steps and deployment stages claimed by shape, loaded idempotently."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from changes.models import DeploymentStage, ProcessStep
from changes.procedures import is_change_process, is_deployment_stages, load_change_process, load_deployment_stages
from opsportal.procedures.document import ProcedureError, parse_document

RENAMED = """# Ops
## Managing Changes Safely
1. **Initiation**: Raise it
2. **Assessment**: Weigh it
3. **Approval**: Decide it
4. **Planning**: Plan it
5. **Implementation**: Do it
6. **Verification**: Check it
7. **Documentation**: Write it up
## How We Deploy
- **Dev**: unit tests
- **Stage**: integration
- **Prod**: with rollback
## Change log
- a plain bullet
- another
- a third
"""


class TestClaims:
    def test_it_claims_by_shape_and_loose_title_words(self):
        sections = {section.name: section for section in parse_document(RENAMED).walk()}
        assert is_change_process(sections["Managing Changes Safely"])
        assert is_deployment_stages(sections["How We Deploy"])
        assert not is_change_process(sections["Change log"]) and not is_deployment_stages(sections["Change log"])
        assert not is_change_process(sections["How We Deploy"])


@pytest.mark.django_db
class TestLoaders:
    def test_the_bundled_document_loads_seven_steps_and_five_stages_idempotently(self):
        call_command("import_procedures", verbosity=0)
        call_command("import_procedures", verbosity=0)
        assert list(ProcessStep.objects.values_list("status", flat=True)) == [
            "initiation", "assessment", "approval", "planning", "implementation", "verification", "documentation",
        ]  # fmt: skip
        assert ProcessStep.objects.get(status="approval").description == "Stakeholder review and approval process"
        assert list(DeploymentStage.objects.values_list("name", flat=True)) == [
            "Development", "Staging", "Pre-Production", "Production", "Post-Deployment",
        ]  # fmt: skip

    def test_it_updates_in_place(self):
        sections = {section.name: section for section in parse_document(RENAMED).walk()}
        load_deployment_stages(sections["How We Deploy"])
        changed = parse_document(RENAMED.replace("with rollback", "with a tested rollback"))
        result = load_deployment_stages({s.name: s for s in changed.walk()}["How We Deploy"])
        assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
        assert DeploymentStage.objects.get(name="Prod").description == "with a tested rollback"

    def test_an_unknown_step_is_refused_with_its_line(self):
        document = parse_document(RENAMED.replace("**Verification**", "**Celebration**"))
        section = {s.name: s for s in document.walk()}["Managing Changes Safely"]
        with pytest.raises(ProcedureError) as error:
            load_change_process(section)
        assert error.value.line == 8
        assert not ProcessStep.objects.filter(status="verification").exists()
