"""Web pages of the Checklists area."""

from django.urls import path

from checklists import views

app_name = "checklists"

urlpatterns = [
    path("", views.index, name="index"),
    path("history/", views.history, name="history"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/live/", views.run_live, name="run-live"),
    path("items/<int:pk>/tick/", views.item_tick, name="item-tick"),
    path("items/<int:pk>/untick/", views.item_untick, name="item-untick"),
    path("items/<int:pk>/note/", views.item_note, name="item-note"),
    path("items/<int:pk>/problem/", views.item_problem, name="item-problem"),
    path("items/<int:pk>/clear-problem/", views.item_clear_problem, name="item-clear-problem"),
]
