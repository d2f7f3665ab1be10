"""Web pages of the Changes area."""

from django.urls import path

from changes import views

app_name = "changes"

urlpatterns = [
    path("", views.index, name="index"),
]
