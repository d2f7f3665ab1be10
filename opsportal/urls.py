"""URL configuration: the public web and API contract (see README)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from opsportal import views
from opsportal.forms import LoginForm
from opsportal.schema import SchemaView

admin.site.site_header = "OpsPortal administration"
admin.site.site_title = "OpsPortal admin"

api_v1: list[URLPattern | URLResolver] = [
    path("", views.api_root, name="api-root"),
    path("checklists/", include("checklists.api")),
    path("incidents/", include("incidents.api")),
    path("changes/", include("changes.api")),
    path("", include("reporting.api")),  # kpis/ and reports/
    path("", include("oncall.api")),  # schedules/
    path("", include("coordination.api")),  # meetings/ and vendors/
    path("knowledge/", include("knowledge.api")),  # pages/ and search/
    path("", include("breaches.api")),  # breaches/
    path("", include("access.api")),  # access-reviews/
]

urlpatterns = [
    path("", views.today, name="today"),
    path("healthz", views.healthz, name="healthz"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notifications_mark_all_read, name="notifications-read-all"),
    path("system/worker-check/", views.worker_check, name="worker-check"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("checklists/", include("checklists.urls")),
    path("incidents/", include("incidents.urls")),
    path("services/", include("incidents.service_urls")),
    path("changes/", include("changes.urls")),
    path("reports/", include("reporting.urls")),
    path("oncall/handovers/", include("oncall.handover_urls")),
    path("oncall/", include("oncall.urls")),
    path("", include("coordination.urls")),  # meetings/, skills/ and vendors/
    path("", include("breaches.urls")),  # compliance/breaches/, compliance/breaches.csv, incidents/<id>/breach/
    path("compliance/", include("compliance.urls")),
    path("knowledge/", include("knowledge.urls")),
    path("compliance/", include("access.urls")),  # access-reviews/, access/audit.csv, training/
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # The schema needs a login (session or token, see SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]); the
    # docs page sends anonymous visitors to the login page. The split view serves Swagger UI's start-up
    # script from its own URL (?script), so the page runs under the strict Content-Security-Policy.
    path("api/docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"),
]

handler400 = "opsportal.errors.bad_request"
handler403 = "opsportal.errors.permission_denied"
handler404 = "opsportal.errors.page_not_found"
handler500 = "opsportal.errors.server_error"
