"""Web pages of the knowledge library, mounted at /knowledge/."""

from django.urls import path

from knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("new/", views.page_new, name="new"),
    path("<int:pk>/", views.page_detail, name="page"),
    path("<int:pk>/edit/", views.page_edit, name="edit"),
    path("<int:pk>/reviewed/", views.page_reviewed, name="reviewed"),
    path("<int:pk>/versions/", views.version_list, name="versions"),
    path("<int:pk>/versions/<int:number>/", views.version_detail, name="version"),
    path("<int:pk>/versions/<int:number>/publish/", views.version_publish, name="publish"),
    path("<int:pk>/diff/", views.diff, name="diff"),
    path("from-review/<int:incident_pk>/", views.review_publish, name="review-publish"),
]
