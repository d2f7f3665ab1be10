"""Web pages of on-call: who is on call, the coming weeks, one's own shifts and feed."""

from django.urls import path

from oncall import views

app_name = "oncall"

urlpatterns = [
    path("", views.index, name="index"),
    path("schedules/new/", views.schedule_new, name="schedule-new"),
    path("schedules/<int:pk>/edit/", views.schedule_edit, name="schedule-edit"),
    path("overrides/", views.override_new, name="override-new"),
    path("calendar.ics", views.feed, name="feed"),
    path("calendar/token/", views.feed_token_new, name="feed-token"),
]
