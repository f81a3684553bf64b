"""Staff URLs for casework: today (in the workspace namespace)."""

from django.urls import path

from . import today_views

urlpatterns = [
    path("today/", today_views.today, name="today"),
    path("today/centres/<int:pk>/", today_views.today_centre, name="today-centre"),
    path("centres/<int:pk>/tasks/", today_views.task_list, name="task-list"),
    path("centres/<int:pk>/tasks/new/", today_views.task_new, name="task-new"),
]
