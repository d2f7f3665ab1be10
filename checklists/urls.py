"""Web pages of the Checklists area."""

from django.urls import path

from checklists import views

app_name = "checklists"

urlpatterns = [
    path("", views.index, name="index"),
]
