"""The API platform: pagination and the one error body every API error uses.

Every error answers ``{"error": {"status", "code", "message", "fields"}}``; ``fields`` maps
each bad input field to its messages (empty when the error is not about a field).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from opsportal.errors import Conflict


class Pagination(pagination.PageNumberPagination):
    """Page-number pagination; clients may ask for up to 200 rows a page."""

    page_size_query_param = "page_size"
    max_page_size = 200


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into ``{"field.sub": ["message", ...]}``."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            fields.update(_flatten(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            fields[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                fields.update(_flatten(item, f"{prefix}[{index}]"))
    else:
        fields[prefix or "non_field_errors"] = [str(detail)]
    return fields


def error_body(status: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Return the API's error body."""
    return {"error": {"status": status, "code": code, "message": message, "fields": fields or {}}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render every API exception in the one error shape."""
    if isinstance(exc, Conflict):
        body = error_body(409, "conflict", exc.message, {exc.field: [exc.message]})
        return Response(body, status=409)
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        message = f"The request body is too large: send at most {limit // 1024} KiB."
        return Response(error_body(413, "request_too_large", message), status=413)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(errors)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.items()), ("", ["Invalid input."]))
        label = "" if first[0] == "non_field_errors" else f"{first[0]}: "
        response.data = error_body(response.status_code, "invalid", f"{label}{first[1][0]}", fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        message = detail if isinstance(detail, str) else str(detail)
        response.data = error_body(response.status_code, str(code), message)
    return response


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message", "fields"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "Each bad input field and its messages; empty when the error is not about a field.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}
ERRORS_OF_EVERY_OPERATION = {
    "400": "Invalid input; `fields` names each bad field.",
    "401": "No login, or a bad token.",
    "403": "Your role may not do this.",
    "404": "No such record, or one you may not see.",
    "405": "The method is not allowed here.",
    "429": "Too many requests; retry later.",
}
ERRORS_OF_WRITES = {
    "409": "Someone else got there first, or the record's state refuses the action.",
    "413": "The request body is too large.",
    "415": "Send JSON (or form data).",
}


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Add the one error body to every operation's documented responses (a drf-spectacular hook)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            errors = dict(ERRORS_OF_EVERY_OPERATION)
            if method in ("post", "put", "patch", "delete"):
                errors.update(ERRORS_OF_WRITES)
            responses = operation.setdefault("responses", {})
            for status, description in errors.items():
                if "content" not in responses.get(status, {}):
                    responses[status] = {"description": description, "content": content}
    return result
