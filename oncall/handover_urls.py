"""URLs of the shift handover, under /oncall/handovers/ (the schedules' own pages are in oncall/urls.py)."""

from django.urls import path

from oncall import handover_views

app_name = "handovers"

urlpatterns = [
    path("", handover_views.handover_list, name="list"),
    path("<int:pk>/", handover_views.handover_detail, name="detail"),
    path("<int:pk>/note/", handover_views.handover_note, name="note"),
    path("<int:pk>/acknowledge/", handover_views.handover_acknowledge, name="acknowledge"),
    path("schedules/<int:schedule_pk>/prepare/", handover_views.handover_prepare, name="prepare"),
]
