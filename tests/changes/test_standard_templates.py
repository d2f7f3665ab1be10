"""Standard changes come only from the admin-kept catalogue of pre-approved templates; never high/high."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from changes import services
from changes.models import ChangeRequest, StandardChangeTemplate


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def certificates(db):
    return StandardChangeTemplate.objects.create(
        name="Rotate TLS certificates", description="Before expiry.", affected_services="cdn, web",
        implementation_plan="Deploy the new certificate to each load balancer.",
        rollback_plan="Re-deploy the previous certificate.", likelihood="low", impact="medium", risk="low",
    )  # fmt: skip


ADMIN_FORM = {
    "name": "Restart a stateless worker pool",
    "description": "Rolling restart.",
    "affected_services": "api",
    "implementation_plan": "Restart one pod at a time.",
    "rollback_plan": "None needed; pods come back on their own.",
    "likelihood": "low",
    "impact": "low",
    "active": "on",
}


@pytest.mark.django_db
class TestStandardChangeFromTheApi:
    def test_a_standard_change_without_a_template_is_refused_naming_the_field(
        self, client_for, oncall_user, certificates
    ):
        response = _post(client_for(oncall_user), "/api/v1/changes/", {"title": "Certs", "change_type": "standard"})
        assert response.status_code == 400
        fields = response.json()["error"]["fields"]
        assert list(fields) == ["standard_template"]
        assert "Rotate TLS certificates" in fields["standard_template"][0]
        assert not ChangeRequest.objects.exists()

    def test_the_template_brings_its_plans_and_risk(self, client_for, oncall_user, certificates):
        response = _post(client_for(oncall_user), "/api/v1/changes/", {
            "title": "Certs for March", "change_type": "standard", "standard_template": certificates.pk,
            "likelihood": "high", "impact": "high"})  # fmt: skip
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["standard_template"] == certificates.pk
        assert (body["implementation_plan"], body["rollback_plan"]) == (
            certificates.implementation_plan,
            certificates.rollback_plan,
        )
        assert (body["likelihood"], body["impact"], body["risk"]) == ("low", "medium", "low")
        assert body["affected_services"] == "cdn, web"
        assert "Rotate TLS certificates" in body["risk_rule"]

    def test_a_retired_template_cannot_be_chosen(self, client_for, oncall_user, certificates):
        certificates.active = False
        certificates.save()
        response = _post(client_for(oncall_user), "/api/v1/changes/",
                         {"title": "Certs", "change_type": "standard", "standard_template": certificates.pk})  # fmt: skip
        assert response.status_code == 400
        assert "retired" in response.json()["error"]["fields"]["standard_template"][0]

    def test_an_unknown_template_is_named(self, client_for, oncall_user):
        response = _post(client_for(oncall_user), "/api/v1/changes/",
                         {"title": "Certs", "change_type": "standard", "standard_template": 999})  # fmt: skip
        assert response.status_code == 400
        assert "standard_template" in response.json()["error"]["fields"]

    def test_a_normal_change_cannot_name_a_template(self, client_for, oncall_user, certificates):
        response = _post(client_for(oncall_user), "/api/v1/changes/",
                         {"title": "Certs", "change_type": "normal", "standard_template": certificates.pk})  # fmt: skip
        assert response.status_code == 400
        assert "standard_template" in response.json()["error"]["fields"]

    def test_its_plans_and_risk_stay_the_templates(self, client_for, oncall_user, certificates):
        client = client_for(oncall_user)
        pk = _post(client, "/api/v1/changes/",
                   {"title": "Certs", "change_type": "standard", "standard_template": certificates.pk}).json()["id"]  # fmt: skip
        for data in ({"rollback_plan": "Hope."}, {"impact": "high", "likelihood": "high"}):
            response = client.patch(f"/api/v1/changes/{pk}/", data, content_type="application/json")
            assert response.status_code == 400
            assert set(data) & set(response.json()["error"]["fields"])
        response = client.patch(f"/api/v1/changes/{pk}/", {"affected_services": "billing"},
                                content_type="application/json")  # fmt: skip
        assert "affected_services" in response.json()["error"]["fields"]

    def test_the_catalogue_is_listed_for_the_area(self, client_for, oncall_user, ops_user, certificates):
        body = client_for(oncall_user).get("/api/v1/changes/standard-templates/").json()
        assert [row["name"] for row in body["results"]] == ["Rotate TLS certificates"]
        assert client_for(ops_user).get("/api/v1/changes/standard-templates/").status_code == 403

    def test_a_standard_change_moves_to_planning_pre_approved(self, client_for, oncall_user, certificates):
        client = client_for(oncall_user)
        pk = _post(client, "/api/v1/changes/", {"title": "Certs", "change_type": "standard",
                   "standard_template": certificates.pk, "business_justification": "Expiry."}).json()["id"]  # fmt: skip
        response = _post(client, f"/api/v1/changes/{pk}/transition/", {"to": "planning"})
        assert response.status_code == 200, response.json()
        assert response.json()["approved_at"]

    def test_a_standard_change_without_a_template_cannot_start_planning(self, oncall_user, make_change):
        change = make_change(change_type="standard", standard_template=None)
        with pytest.raises(ValidationError) as error:
            services.change_transition(change=change, to="planning", by=oncall_user)
        assert "standard_template" in error.value.message_dict


@pytest.mark.django_db
class TestHighRiskHighImpactIsNeverStandard:
    def test_the_service_refuses_a_high_high_standard_change(self, oncall_user, certificates):
        StandardChangeTemplate.objects.filter(pk=certificates.pk).update(likelihood="high", impact="high")
        certificates.refresh_from_db()
        with pytest.raises(ValidationError) as error:
            services.change_create(by=oncall_user, data={"title": "x", "change_type": "standard",
                                                         "standard_template": certificates})  # fmt: skip
        assert "change_type" in error.value.message_dict

    def test_the_database_refuses_a_high_high_template(self, certificates):
        with pytest.raises(IntegrityError):
            StandardChangeTemplate.objects.filter(pk=certificates.pk).update(risk="high", impact="high")

    def test_the_model_computes_the_risk_and_refuses_high_high(self):
        template = StandardChangeTemplate(name="x", implementation_plan="a", rollback_plan="b",
                                          likelihood="medium", impact="high")  # fmt: skip
        with pytest.raises(ValidationError) as error:
            template.full_clean()
        assert "impact" in error.value.message_dict
        template.likelihood = "low"
        template.full_clean()
        assert template.risk == "medium"


@pytest.mark.django_db
class TestStandardChangeTemplateAdmin:
    def test_an_admin_adds_and_edits_a_template_with_history(self, client_for, admin_user):
        client = client_for(admin_user)
        response = client.post("/admin/changes/standardchangetemplate/add/", ADMIN_FORM)
        assert response.status_code == 302, response.content.decode()[:3000]
        template = StandardChangeTemplate.objects.get()
        assert template.risk == "low"
        response = client.post(f"/admin/changes/standardchangetemplate/{template.pk}/change/",
                               {**ADMIN_FORM, "likelihood": "medium", "impact": "medium"})  # fmt: skip
        assert response.status_code == 302
        template.refresh_from_db()
        assert template.risk == "medium"
        assert [entry.history_user for entry in template.history.all()] == [admin_user, admin_user]
        assert client.get(f"/admin/changes/standardchangetemplate/{template.pk}/history/").status_code == 200

    def test_the_admin_refuses_a_high_high_template_next_to_impact(self, client_for, admin_user):
        response = client_for(admin_user).post(
            "/admin/changes/standardchangetemplate/add/", {**ADMIN_FORM, "likelihood": "high", "impact": "high"}
        )
        assert response.status_code == 200
        assert "never standard" in str(response.context["adminform"].form.errors["impact"])
        assert not StandardChangeTemplate.objects.exists()


@pytest.mark.django_db
class TestStandardChangeFromTheForm:
    def test_the_form_offers_active_templates_and_copies_the_plans(self, client_for, oncall_user, certificates):
        StandardChangeTemplate.objects.create(name="Retired one", implementation_plan="a", rollback_plan="b",
                                              active=False)  # fmt: skip
        client = client_for(oncall_user)
        page = client.get("/changes/new/").content.decode()
        assert "Rotate TLS certificates" in page and "Retired one" not in page
        response = client.post("/changes/new/", {"title": "Certs", "change_type": "standard",
                                                 "standard_template": certificates.pk, "likelihood": "low",
                                                 "impact": "low"})  # fmt: skip
        assert response.status_code == 302
        change = ChangeRequest.objects.get()
        assert (change.standard_template, change.rollback_plan, change.impact) == (
            certificates,
            certificates.rollback_plan,
            "medium",
        )
        assert "Rotate TLS certificates" in client.get(f"/changes/{change.pk}/").content.decode()

    def test_a_standard_change_without_a_template_is_refused_next_to_the_field(self, client_for, oncall_user):
        response = client_for(oncall_user).post(
            "/changes/new/", {"title": "Certs", "change_type": "standard", "likelihood": "low", "impact": "low"}
        )
        assert response.status_code == 400
        assert "standard_template" in response.context["form"].errors
        assert not ChangeRequest.objects.exists()


@pytest.mark.django_db
class TestDemoTemplates:
    def test_the_demo_seeds_templates_and_its_standard_changes_use_them(self):
        from changes.demo import _ensure_standard_templates

        templates = _ensure_standard_templates()
        assert len(templates) == 3
        assert all(
            template.active and not (template.risk == template.impact == "high") for template in templates.values()
        )
        assert _ensure_standard_templates().keys() == templates.keys()
        assert StandardChangeTemplate.objects.count() == 3


@pytest.mark.django_db
class TestLeavingTheStandardType:
    def test_a_change_made_normal_in_initiation_leaves_its_template(self, client_for, oncall_user, certificates):
        client = client_for(oncall_user)
        pk = _post(client, "/api/v1/changes/",
                   {"title": "Certs", "change_type": "standard", "standard_template": certificates.pk}).json()["id"]  # fmt: skip
        response = client.patch(f"/api/v1/changes/{pk}/", {"change_type": "normal"}, content_type="application/json")
        assert response.status_code == 200, response.json()
        assert (response.json()["change_type"], response.json()["standard_template"]) == ("normal", None)
