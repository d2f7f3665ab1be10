"""The OpenAPI schema view: for signed-in users only, refusing others in JSON."""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response


class SchemaView(SpectacularAPIView):
    """Serve the schema (YAML, or JSON with ``?format=json``); a refusal is always the API's JSON error."""

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        # The negotiated renderer is the OpenAPI YAML one, which would render the error as YAML.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response
