"""Web pages of the Compliance area."""

from django.urls import path

from compliance import views

app_name = "compliance"

urlpatterns = [
    path("", views.index, name="index"),
    path("records/", views.records, name="records"),
]
