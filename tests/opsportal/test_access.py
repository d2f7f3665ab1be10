"""Every page needs a login; a user with no role sees none of the four areas."""

import pytest

PAGES = ["/", "/checklists/", "/incidents/", "/changes/", "/reports/", "/notifications/"]
AREAS = ["/checklists/", "/incidents/", "/changes/", "/reports/"]
PAGES += ["/knowledge/", "/knowledge/search/?q=x"]  # knowledge library
AREAS += ["/knowledge/"]


@pytest.mark.django_db
class TestLoginRequired:
    @pytest.mark.parametrize("url", PAGES)
    def test_it_redirects_anonymous_visitors_to_login(self, client, url):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")

    def test_the_login_page_is_open(self, client):
        response = client.get("/accounts/login/")
        assert response.status_code == 200
        assert b'name="username"' in response.content

    def test_the_api_answers_401_in_the_error_shape(self, client):
        response = client.get("/api/v1/")
        assert response.status_code in {401, 403}
        assert set(response.json()["error"]) == {"status", "code", "message", "fields"}


@pytest.mark.django_db
class TestOutsider:
    def test_today_shows_no_area(self, client_for, outsider):
        response = client_for(outsider).get("/")
        assert response.status_code == 200
        body = response.content.decode()
        assert 'data-testid="no-role"' in body
        for area in AREAS:
            assert f'href="{area}"' not in body

    @pytest.mark.parametrize("url", AREAS)
    def test_each_area_refuses_with_403(self, client_for, outsider, url):
        response = client_for(outsider).get(url)
        assert response.status_code == 403
        assert "roles" in response.content.decode()

    def test_the_api_refuses_with_403(self, client_for, outsider):
        response = client_for(outsider).get("/api/v1/")
        assert response.status_code == 403
        assert response.json()["error"]["message"]


@pytest.mark.django_db
class TestOpsUser:
    def test_today_shows_the_areas_of_the_role(self, client_for, ops_user):
        body = client_for(ops_user).get("/").content.decode()
        assert 'href="/checklists/"' in body
        assert 'href="/incidents/"' in body

    def test_logout_needs_post_and_ends_the_session(self, client_for, ops_user):
        client = client_for(ops_user)
        response = client.post("/accounts/logout/")
        assert response.status_code == 302
        assert client.get("/").status_code == 302


@pytest.mark.django_db
class TestLoginLockout:
    def test_repeated_failures_lock_the_account_for_a_while(self, client, ops_user):
        for _ in range(5):
            client.post("/accounts/login/", {"username": ops_user.username, "password": "wrong-password-123"})
        response = client.post(
            "/accounts/login/", {"username": ops_user.username, "password": "correct-horse-battery-staple"}
        )
        assert response.status_code == 429
        assert b"Too many failed logins" in response.content


class TestPasswordPolicy:
    def test_it_needs_twelve_characters(self):
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError, match="at least 12"):
            validate_password("Sh0rt-pass!")


def _run_roles_migration() -> None:
    """Run the roles data migration and the post-migrate permission sync on this database.

    The test database's migration-made rows do not survive a transactional test that ran
    earlier in the same process (it flushes every table), so the tests run them themselves.
    """
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    from opsportal.groups import sync_role_permissions

    Group.objects.all().delete()
    importlib.import_module("opsportal.migrations.0002_roles").create_roles(apps, None)
    sync_role_permissions()


@pytest.mark.django_db
class TestRolesMigration:
    def test_a_fresh_database_has_the_four_groups(self):
        from django.contrib.auth.models import Group

        _run_roles_migration()
        names = set(Group.objects.values_list("name", flat=True))
        assert {"Ops staff", "On-call engineer", "Manager", "Admin"} <= names

    def test_admin_group_may_edit_portal_models(self):
        from django.contrib.auth.models import Group

        _run_roles_migration()
        admin = Group.objects.get(name="Admin")
        assert admin.permissions.filter(codename="change_notification").exists()


# Access reviews, the permission audit and training (access/): managers and admins only, pages and API alike.
ACCESS_ROUTES = ["/compliance/access-reviews/", "/compliance/access-reviews/{review}/", "/compliance/access/audit.csv",
                 "/compliance/training/", "/api/v1/access-reviews/", "/api/v1/access-reviews/{review}/"]  # fmt: skip


@pytest.mark.django_db
class TestAccessReviewRoleWalk:
    @pytest.mark.parametrize("route", ACCESS_ROUTES)
    def test_each_role_gets_what_it_may(self, client_for, ops_user, oncall_user, manager_user, admin_user, outsider,
                                        route):  # fmt: skip
        from access.services import access_review_open

        url = route.format(review=access_review_open()[0].pk)
        expected = {ops_user: 403, oncall_user: 403, outsider: 403, manager_user: 200, admin_user: 200}
        assert {user.username: client_for(user).get(url).status_code for user in expected} == {
            user.username: status for user, status in expected.items()
        }

    def test_deciding_a_line_is_refused_to_ops_and_oncall(self, client_for, ops_user, oncall_user, manager_user):
        from access.services import access_review_open

        review = access_review_open()[0]
        line = review.lines.get(user=manager_user)
        for user in (ops_user, oncall_user):
            client = client_for(user)
            page = client.post(f"/compliance/access-reviews/{review.pk}/lines/{line.pk}/decide/",
                               {"decision": "revoke", "reason": "x"})  # fmt: skip
            api = client.post(f"/api/v1/access-reviews/{review.pk}/lines/{line.pk}/decide/",
                              {"decision": "revoke", "reason": "x"}, content_type="application/json")  # fmt: skip
            assert (page.status_code, api.status_code) == (403, 403)
        line.refresh_from_db()
        assert line.decision == ""
