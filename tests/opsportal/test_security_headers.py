"""Schema and docs need a login; private pages are never cached; the CSP is strict."""

import pytest
from rest_framework.authtoken.models import Token


@pytest.mark.django_db
class TestSchemaNeedsALogin:
    def test_an_anonymous_caller_gets_a_401_in_the_api_error_shape(self, client):
        response = client.get("/api/schema/")
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["error"]["code"] == "not_authenticated"

    def test_a_token_opens_it(self, client, ops_user):
        token = Token.objects.create(user=ops_user)
        response = client.get("/api/schema/", HTTP_AUTHORIZATION=f"Token {token.key}")
        assert response.status_code == 200
        assert b"openapi" in response.content

    def test_a_session_opens_it(self, client_for, manager_user):
        assert client_for(manager_user).get("/api/schema/").status_code == 200


@pytest.mark.django_db
class TestDocsNeedALogin:
    def test_an_anonymous_visitor_is_sent_to_the_login_page(self, client):
        response = client.get("/api/docs/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/api/docs/"

    def test_its_start_up_script_needs_a_login_too(self, client):
        response = client.get("/api/docs/?script=")
        assert response.status_code == 302

    def test_a_signed_in_user_gets_the_page_and_its_script(self, client_for, ops_user):
        client = client_for(ops_user)
        page = client.get("/api/docs/")
        assert page.status_code == 200
        assert b"<style" not in page.content
        assert b"/api/docs/?script=" in page.content
        script = client.get("/api/docs/?script=")
        assert script.status_code == 200
        assert script["Content-Type"].startswith("application/javascript")
        assert b"SwaggerUIBundle" in script.content


@pytest.mark.django_db
class TestPrivatePagesAreNotStored:
    @pytest.mark.parametrize("path", ["/", "/incidents/", "/changes/", "/api/v1/", "/api/docs/", "/notifications/"])
    def test_a_signed_in_users_pages_say_no_store(self, client_for, admin_user, path):
        response = client_for(admin_user).get(path)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]

    def test_an_api_answer_to_a_token_says_no_store(self, client, ops_user):
        token = Token.objects.create(user=ops_user)
        response = client.get("/api/v1/", HTTP_AUTHORIZATION=f"Token {token.key}")
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]

    def test_static_files_are_left_alone(self, client_for, admin_user):
        static = client_for(admin_user).get("/static/css/portal.css")
        assert "no-store" not in static.get("Cache-Control", "")


@pytest.mark.django_db
class TestContentSecurityPolicy:
    def test_pages_send_a_strict_policy(self, client_for, admin_user):
        policy = client_for(admin_user).get("/")["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["base-uri"] == "'self'"
        assert directives["form-action"] == "'self'"
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy

    def test_the_api_docs_run_under_the_same_policy(self, client_for, admin_user):
        client = client_for(admin_user)
        assert client.get("/api/docs/")["Content-Security-Policy"] == client.get("/")["Content-Security-Policy"]

    def test_the_login_page_has_it_too(self, client):
        assert "default-src 'self'" in client.get("/accounts/login/")["Content-Security-Policy"]
