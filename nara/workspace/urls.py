from django.urls import path

from . import admin_views as admin
from . import audit_views, auth_views, people_views, user_views, views

app_name = "workspace"
urlpatterns = [
    path("", views.index, name="index"),
    path("login/", auth_views.login, name="login"),
    path("login/verify/", auth_views.login_verify, name="login-verify"),
    path("login/setup/", auth_views.login_setup, name="login-setup"),
    path("logout/", auth_views.logout_view, name="logout"),
    path("logout/everywhere/", auth_views.logout_everywhere, name="logout-everywhere"),
    path("centres/", admin.centre_list, name="centres"),
    path("centres/new/", admin.centre_create, name="centre-new"),
    path("centres/<int:pk>/", admin.centre_detail, name="centre"),
    path("centres/<int:pk>/edit/", admin.centre_edit, name="centre-edit"),
    path("centres/<int:pk>/catchment/", admin.centre_catchment, name="centre-catchment"),
    path("centres/<int:pk>/schedules/new/", admin.schedule_create, name="schedule-new"),
    path("centres/<int:pk>/exceptions/new/", admin.exception_create, name="exception-new"),
    path("centres/<int:pk>/directory/new/", admin.directory_create, name="directory-new"),
    path("centres/<int:pk>/emergency/", audit_views.emergency_request, name="emergency"),
    path("coverage/", admin.coverage, name="coverage"),
    path("schedules/<int:pk>/", admin.schedule_edit, name="schedule"),
    path("schedules/<int:pk>/delete/", admin.schedule_delete, name="schedule-delete"),
    path("exceptions/<int:pk>/", admin.exception_edit, name="exception"),
    path("exceptions/<int:pk>/delete/", admin.exception_delete, name="exception-delete"),
    path("directory/<int:pk>/", admin.directory_edit, name="directory"),
    path("directory/<int:pk>/delete/", admin.directory_delete, name="directory-delete"),
    path("services/", admin.service_list, name="services"),
    path("services/new/", admin.service_edit, name="service-new"),
    path("services/<int:pk>/", admin.service_edit, name="service"),
    path("areas/", admin.area_list, name="areas"),
    path("areas/<int:pk>/", admin.area_edit, name="area"),
    path("feedback/", views.feedback_list, name="feedback"),
    path("content/myths/", views.myth_list, name="myths"),
    path("content/myths/new/", views.myth_edit, name="myth-new"),
    path("content/myths/<int:pk>/", views.myth_edit, name="myth-edit"),
    path("people/", people_views.people_search, name="people"),
    path("people/new/", people_views.person_create, name="person-new"),
    path("people/<int:pk>/", people_views.person_detail, name="person"),
    path("audit/", audit_views.log_review, name="log-review"),
    path("audit/verify/", audit_views.verify, name="audit-verify"),
    path(
        "audit/emergency/<int:pk>/review/", audit_views.emergency_review, name="emergency-review"
    ),  # fmt: skip
    path("users/", user_views.user_list, name="users"),
    path("users/new/", user_views.user_create, name="user-new"),
    path("users/<int:pk>/", user_views.user_roles, name="user"),
]
