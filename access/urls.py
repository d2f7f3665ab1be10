"""Web pages of access reviews, the permission audit and training, mounted under /compliance/."""

from django.urls import path

from access import views

app_name = "access"

urlpatterns = [
    path("access-reviews/", views.review_list, name="review-list"),
    path("access-reviews/<int:pk>/", views.review_detail, name="review"),
    path("access-reviews/<int:pk>/lines/<int:line>/decide/", views.line_decide, name="line-decide"),
    path("access/audit.csv", views.audit_csv, name="audit-csv"),
    path("training/", views.training, name="training"),
]
