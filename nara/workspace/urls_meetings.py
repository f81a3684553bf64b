"""Staff URLs for collaboration meetings with partners (in the workspace namespace)."""

from django.urls import path

from . import meeting_views as views

urlpatterns = [
    path("meetings/", views.meetings_index, name="meetings"),
    path("centres/<int:pk>/meetings/", views.centre_meetings, name="centre-meetings"),
    path("centres/<int:pk>/meetings/new/", views.meeting_new, name="meeting-new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/actions/new/", views.meeting_action_new, name="meeting-action-new"),
    path(
        "meeting-actions/<int:pk>/status/",
        views.meeting_action_status,
        name="meeting-action-status",
    ),
]
