"""Web pages of the Changes area."""

from django.urls import path

from changes import views

app_name = "changes"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.change_new, name="new"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar.ics", views.calendar_feed, name="calendar-feed"),
    path("calendar/token/", views.calendar_token_new, name="calendar-token"),
    path("<int:pk>/", views.change_detail, name="detail"),
    path("<int:pk>/edit/", views.change_edit, name="edit"),
    path("<int:pk>/transition/", views.change_transition_view, name="transition"),
    path("<int:pk>/approve/", views.change_approve_view, name="approve"),
    path("<int:pk>/reject/", views.change_reject_view, name="reject"),
    path("<int:pk>/stages/", views.change_stage_view, name="stages"),
    path("<int:pk>/incidents/", views.change_incidents_view, name="incidents"),
]
