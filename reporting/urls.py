"""Web pages of the Reports area."""

from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard.csv", views.dashboard_csv, name="dashboard-csv"),
    path("list/", views.report_list_page, name="list"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/csv/<slug:table>/", views.report_csv, name="report-csv"),
    path("measurements/new/", views.measurement_new, name="measurement-new"),
    path("measurements/import/", views.measurement_import, name="measurement-import"),
]
