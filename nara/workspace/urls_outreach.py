"""Staff URLs for outreach shifts and group activities (in the workspace namespace)."""

from django.urls import path

from . import group_views as groups
from . import outreach_views as outreach

urlpatterns = [
    path("outreach/", outreach.outreach_start, name="outreach"),
    path("centres/<int:pk>/outreach/", outreach.outreach_list, name="outreach-list"),
    path("centres/<int:pk>/outreach/new/", outreach.outreach_new, name="outreach-new"),
    path("outreach/<int:pk>/", outreach.outreach_detail, name="outreach-shift"),
    path("outreach/<int:pk>/edit/", outreach.outreach_edit, name="outreach-edit"),
    path("groups/", groups.groups_start, name="groups"),
    path("centres/<int:pk>/groups/", groups.group_list, name="group-list"),
    path("centres/<int:pk>/groups/new/", groups.group_new, name="group-new"),
    path("groups/<int:pk>/", groups.group_detail, name="group"),
    path("groups/<int:pk>/sessions/new/", groups.session_new, name="group-session-new"),
    path("groups/<int:pk>/register/", groups.group_register, name="group-register"),
    path("groups/<int:pk>/waiting/", groups.group_waiting_add, name="group-waiting-add"),
    path("groups/sessions/<int:pk>/", groups.session_detail, name="group-session"),
    path("groups/waiting/<int:pk>/offer/", groups.waiting_offer, name="group-waiting-offer"),
    path("groups/participants/<int:pk>/leave/", groups.participant_leave, name="group-leave"),
]
