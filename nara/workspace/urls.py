from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "workspace"
urlpatterns = [
    path("", views.index, name="index"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="workspace/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="workspace:login"), name="logout"),
    path("feedback/", views.feedback_list, name="feedback"),
    path("content/myths/", views.myth_list, name="myths"),
    path("content/myths/new/", views.myth_edit, name="myth-new"),
    path("content/myths/<int:pk>/", views.myth_edit, name="myth-edit"),
]
