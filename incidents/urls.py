"""Web pages of the Incidents area."""

from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.index, name="index"),
    path("declare/", views.declare, name="declare"),
    path("at-risk/", views.at_risk, name="at_risk"),
    path("escalation-preview/", views.escalation_preview, name="escalation_preview"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/transition/<slug:action>/", views.transition, name="transition"),
    path("<int:pk>/note/", views.note, name="note"),
    path("<int:pk>/severity/", views.change_severity, name="severity"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/review/action-items/", views.action_item_add, name="action_item_add"),
    path("<int:pk>/review/action-items/<int:item_pk>/done/", views.action_item_done, name="action_item_done"),
]
