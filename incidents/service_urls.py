"""Web pages of the services incidents and changes share (mounted at /services/)."""

from django.urls import path

from incidents import views

app_name = "services"

urlpatterns = [
    path("", views.service_list, name="list"),
    path("<int:pk>/", views.service_detail, name="detail"),
]
