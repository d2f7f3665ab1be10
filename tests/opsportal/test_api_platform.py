"""The API platform: auth, the error shape, schema and docs served without internet."""

import re

import pytest
from rest_framework.authtoken.models import Token


@pytest.mark.django_db
class TestApiAuth:
    def test_token_auth_works(self, client, ops_user):
        token = Token.objects.create(user=ops_user)
        response = client.get("/api/v1/", HTTP_AUTHORIZATION=f"Token {token.key}")
        assert response.status_code == 200
        assert "incidents" in response.json()

    def test_a_bad_token_gets_the_error_shape(self, client):
        response = client.get("/api/v1/", HTTP_AUTHORIZATION="Token nope")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "authentication_failed"

    def test_drf_create_token_command_exists(self, ops_user):
        from django.core.management import call_command

        call_command("drf_create_token", ops_user.username)
        assert Token.objects.filter(user=ops_user).exists()


@pytest.mark.django_db
class TestSchemaAndDocs:
    def test_the_schema_is_served(self, client_for, ops_user):
        response = client_for(ops_user).get("/api/schema/")
        assert response.status_code == 200
        assert b"openapi" in response.content

    def test_the_docs_load_nothing_from_the_internet(self, client_for, ops_user):
        response = client_for(ops_user).get("/api/docs/")
        assert response.status_code == 200
        sources = re.findall(rb'(?:src|href)="([^"]+)"', response.content)
        assert sources
        assert all(not source.startswith((b"http://", b"https://", b"//")) for source in sources)


class TestErrorShape:
    def test_validation_errors_name_their_fields(self):
        from rest_framework import serializers

        from opsportal.api import exception_handler

        response = exception_handler(serializers.ValidationError({"title": ["This field is required."]}), {})
        assert response.status_code == 400
        assert response.data["error"]["fields"] == {"title": ["This field is required."]}
        assert response.data["error"]["message"] == "title: This field is required."
