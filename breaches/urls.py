"""Web pages of the breach register and an incident's breach (mounted at the site root)."""

from django.urls import path

from breaches import views

app_name = "breaches"

urlpatterns = [
    path("compliance/breaches/", views.register, name="register"),
    path("compliance/breaches.csv", views.register_csv, name="register-csv"),
    path("incidents/<int:pk>/breach/", views.incident_breach, name="incident-breach"),
    path("incidents/<int:pk>/breach/notified/", views.incident_breach_notified, name="incident-breach-notified"),
]
