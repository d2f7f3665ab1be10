"""Web pages of team coordination: /meetings/, /skills/ and /vendors/ (mounted at the root)."""

from django.urls import path

from coordination import views

app_name = "coordination"

urlpatterns = [
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="meeting-minutes"),
    path("meetings/<int:pk>/actions/", views.meeting_action_add, name="meeting-action-add"),
    path("meetings/actions/<int:pk>/done/", views.meeting_action_done, name="meeting-action-done"),
    path("skills/", views.skills, name="skills"),
    path("skills/<int:pk>/delete/", views.skill_delete, name="skill-delete"),
    path("vendors/", views.vendor_list, name="vendors"),
    path("vendors/new/", views.vendor_edit, name="vendor-new"),
    path("vendors/<int:pk>/edit/", views.vendor_edit, name="vendor-edit"),
    path("vendors/incidents/<int:incident_pk>/link/", views.vendor_link, name="vendor-link"),
    path("vendors/incidents/<int:incident_pk>/unlink/<int:pk>/", views.vendor_unlink, name="vendor-unlink"),
]
